package io.pausectl.bench.scenario;

import io.pausectl.bench.load.RequestLog;

import java.util.Locale;

/**
 * Draws a run's latency over time as an SVG, the pause shaded: x is each request's intended send
 * time, y its latency from then. Requests are binned in time and each bin drawn as its min-max
 * band with the max as a line, so a held request shows where it waited; failed requests are red
 * dots, lost ones red crosses along the top.
 *
 * <p>Hand-written SVG rather than a charting library: the chart is a few hundred lines of text,
 * the bench stays dependency-free and the launcher small, the output diffs in git and renders in
 * a browser and on GitHub as-is.
 */
public final class LatencyChart {
    private static final int WIDTH = 900;
    private static final int HEIGHT = 440;
    private static final int LEFT = 72;
    private static final int RIGHT = 24;
    private static final int TOP = 56;
    private static final int BOTTOM = 64;
    private static final int MAX_BINS = 450;

    private LatencyChart() {
    }

    /**
     * A labelled stretch of the run.
     *
     * @param startNs ns after the run's start
     * @param endNs   ns after the run's start
     * @param label   the text drawn on it
     */
    public record Span(long startNs, long endNs, String label) {
    }

    /**
     * @param log     the run's requests (times in ns after the run's start)
     * @param pause   when the proxy was paused: shaded
     * @param command when the maintenance command ran ({@code pausectl run}): a bar along the top
     * @param title   the chart's title
     * @param caption a line under the chart (what the clients saw)
     */
    public static String render(RequestLog log, Span pause, Span command, String title, String caption) {
        long pauseStartNs = pause.startNs();
        long pauseEndNs = pause.endNs();
        int n = log.capacity();
        long lastNs = 1;
        double maxLatencyMs = 1;
        for (int i = 0; i < n; i++) {
            if (!log.wasIssued(i)) {
                continue;
            }
            lastNs = Math.max(lastNs, log.intendedNanos(i));
            if (log.doneNanos(i) >= 0) {
                maxLatencyMs = Math.max(maxLatencyMs, (log.doneNanos(i) - log.intendedNanos(i)) / 1e6);
            }
        }
        lastNs = Math.max(lastNs, Math.max(pauseEndNs, command.endNs()));
        double xMaxSec = niceCeil(lastNs / 1e9);
        double yMaxMs = niceCeil(maxLatencyMs * 1.08);
        Plot plot = new Plot(xMaxSec, yMaxMs);

        int bins = Math.max(1, Math.min(MAX_BINS, n));
        double binSec = xMaxSec / bins;
        double[] binMin = new double[bins];
        double[] binMax = new double[bins];
        java.util.Arrays.fill(binMin, Double.NaN);
        java.util.Arrays.fill(binMax, Double.NaN);
        StringBuilder marks = new StringBuilder();
        for (int i = 0; i < n; i++) {
            if (!log.wasIssued(i)) {
                continue;
            }
            double t = log.intendedNanos(i) / 1e9;
            if (log.doneNanos(i) < 0) {
                cross(marks, plot.x(t), TOP + 6);
                continue;
            }
            double ms = (log.doneNanos(i) - log.intendedNanos(i)) / 1e6;
            if (!log.ok(i)) {
                marks.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" fill=\"#d62728\"/>%n",
                        plot.x(t), plot.y(ms)));
                continue;
            }
            int b = Math.min(bins - 1, (int) (t / binSec));
            binMin[b] = Double.isNaN(binMin[b]) ? ms : Math.min(binMin[b], ms);
            binMax[b] = Double.isNaN(binMax[b]) ? ms : Math.max(binMax[b], ms);
        }

        StringBuilder svg = new StringBuilder(64 * 1024);
        svg.append(String.format(Locale.ROOT,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\""
                        + " font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">%n", WIDTH, HEIGHT, WIDTH, HEIGHT));
        svg.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>%n", WIDTH, HEIGHT));
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"24\" font-size=\"16\" font-weight=\"bold\">%s</text>%n",
                LEFT, escape(title)));

        // the pause, behind everything
        double px0 = plot.x(pauseStartNs / 1e9);
        double px1 = plot.x(pauseEndNs / 1e9);
        svg.append(String.format(Locale.ROOT,
                "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"#ff9f1c\" fill-opacity=\"0.18\"/>%n",
                px0, TOP, Math.max(1, px1 - px0), plot.plotHeight()));
        svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" fill=\"#b35c00\">%s</text>%n",
                px0 + 4, TOP + 30, escape(pause.label())));
        double cx0 = plot.x(command.startNs() / 1e9);
        double cx1 = plot.x(command.endNs() / 1e9);
        svg.append(String.format(Locale.ROOT,
                "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"6\" fill=\"#6c757d\" fill-opacity=\"0.7\"/>%n",
                cx0, TOP + 2, Math.max(1, cx1 - cx0)));
        svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" fill=\"#555\" font-size=\"11\">%s</text>%n",
                cx0 + 4, TOP + 18, escape(command.label())));

        axes(svg, plot);

        // min-max band, then the max line
        StringBuilder band = new StringBuilder();
        StringBuilder lower = new StringBuilder();
        StringBuilder maxLine = new StringBuilder();
        for (int b = 0; b < bins; b++) {
            if (Double.isNaN(binMax[b])) {
                flushBand(svg, band, lower);
                flushLine(svg, maxLine);
                continue;
            }
            double x = plot.x((b + 0.5) * binSec);
            band.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, plot.y(binMax[b])));
            lower.insert(0, String.format(Locale.ROOT, "%.1f,%.1f ", x, plot.y(binMin[b])));
            maxLine.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, plot.y(binMax[b])));
        }
        flushBand(svg, band, lower);
        flushLine(svg, maxLine);
        svg.append(marks);

        legend(svg);
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" fill=\"#333\">%s</text>%n",
                LEFT, HEIGHT - 12, escape(caption)));
        svg.append("</svg>\n");
        return svg.toString();
    }

    private static void flushBand(StringBuilder svg, StringBuilder upper, StringBuilder lower) {
        if (upper.length() > 0) {
            svg.append("<polygon fill=\"#1f77b4\" fill-opacity=\"0.25\" stroke=\"none\" points=\"")
                    .append(upper).append(lower).append("\"/>\n");
        }
        upper.setLength(0);
        lower.setLength(0);
    }

    private static void flushLine(StringBuilder svg, StringBuilder line) {
        if (line.length() > 0) {
            svg.append("<polyline fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"1.5\" points=\"")
                    .append(line).append("\"/>\n");
        }
        line.setLength(0);
    }

    private static void cross(StringBuilder svg, double x, double y) {
        svg.append(String.format(Locale.ROOT,
                "<path d=\"M%.1f %.1f l6 6 m0 -6 l-6 6\" stroke=\"#d62728\" stroke-width=\"1.5\"/>%n", x - 3, y - 3));
    }

    private static void axes(StringBuilder svg, Plot plot) {
        int bottom = TOP + plot.plotHeight();
        int right = WIDTH - RIGHT;
        for (double t : ticks(plot.xMax)) {
            double x = plot.x(t);
            svg.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#e5e5e5\"/>%n",
                    x, TOP, x, bottom));
            svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>%n",
                    x, bottom + 16, label(t)));
        }
        for (double ms : ticks(plot.yMax)) {
            double y = plot.y(ms);
            svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#e5e5e5\"/>%n",
                    LEFT, y, right, y));
            svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>%n",
                    LEFT - 6, y + 4, label(ms)));
        }
        svg.append(String.format(Locale.ROOT,
                "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#888\"/>%n",
                LEFT, TOP, right - LEFT, plot.plotHeight()));
        svg.append(String.format(Locale.ROOT,
                "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">time the request was meant to be sent (s)</text>%n",
                (LEFT + right) / 2, bottom + 34));
        svg.append(String.format(Locale.ROOT,
                "<text x=\"16\" y=\"%d\" text-anchor=\"middle\" transform=\"rotate(-90 16 %d)\">latency from intended send (ms)</text>%n",
                (TOP + bottom) / 2, (TOP + bottom) / 2));
    }

    private static void legend(StringBuilder svg) {
        int x = WIDTH - RIGHT - 330;
        int y = 36;
        svg.append(String.format(Locale.ROOT,
                "<rect x=\"%d\" y=\"%d\" width=\"14\" height=\"8\" fill=\"#1f77b4\" fill-opacity=\"0.4\"/>"
                        + "<text x=\"%d\" y=\"%d\">latency (min-max per bin)</text>%n", x, y - 8, x + 18, y));
        svg.append(String.format(Locale.ROOT,
                "<circle cx=\"%d\" cy=\"%d\" r=\"3\" fill=\"#d62728\"/><text x=\"%d\" y=\"%d\">failed</text>%n",
                x + 180, y - 4, x + 188, y));
        cross(svg, x + 240, y - 4);
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">lost</text>%n", x + 248, y));
    }

    /** About five round tick values from 0 to {@code max}. */
    static double[] ticks(double max) {
        double step = niceCeil(max / 5);
        int count = (int) Math.floor(max / step + 1e-9) + 1;
        double[] ticks = new double[count];
        for (int i = 0; i < count; i++) {
            ticks[i] = i * step;
        }
        return ticks;
    }

    /** The smallest of 1, 1.5, 2, 2.5, 3, 4, 5, 6, 8 times a power of ten that is at least {@code v}. */
    static double niceCeil(double v) {
        if (v <= 0) {
            return 1;
        }
        double p = Math.pow(10, Math.floor(Math.log10(v)));
        for (double m : new double[] {1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10}) {
            if (m * p >= v - 1e-12) {
                return m * p;
            }
        }
        return 10 * p;
    }

    private static String label(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : String.format(Locale.ROOT, "%.1f", v);
    }

    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    private static final class Plot {
        final double xMax;
        final double yMax;

        Plot(double xMax, double yMax) {
            this.xMax = xMax;
            this.yMax = yMax;
        }

        int plotHeight() {
            return HEIGHT - TOP - BOTTOM;
        }

        double x(double sec) {
            return LEFT + sec / xMax * (WIDTH - LEFT - RIGHT);
        }

        double y(double ms) {
            return TOP + plotHeight() - Math.min(ms, yMax) / yMax * plotHeight();
        }
    }
}
