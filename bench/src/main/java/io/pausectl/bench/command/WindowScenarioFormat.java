package io.pausectl.bench.command;

/** Number formatting shared by the window and the demo. */
final class WindowScenarioFormat {
    private WindowScenarioFormat() {
    }

    /** {@code 1000} rather than {@code 1000.0}. */
    static String number(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }
}
