package io.pausectl.testkit.proxy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A pause-proxy running as its own process, as a user would run it: started with the same class
 * path as this JVM (or the given one), with the given arguments and with the launcher's default
 * JVM options ({@link JvmDefaults}). The bench and the integration tests use it so that what they
 * measure or prove is the real program, alone in its process.
 * It lives in testkit, not in the proxy's jar, which ships only the proxy: the tests of proxy and
 * control-cli cannot depend on bench, and bench's main already takes testkit (as for
 * {@code LocalPostgres}). It names the proxy's main class, so it needs no proxy type.
 *
 * <p>The addresses are read from the proxy's start-up lines, so {@code --listen 127.0.0.1:0} and
 * {@code --admin-listen 127.0.0.1:0} work. Output is pumped by a daemon thread (the child never
 * blocks on a full pipe); the last lines are kept for error messages.
 */
public final class ProxyProcess implements AutoCloseable {
    /** The line the proxy logs once its client listener is bound. */
    public static final Pattern CLIENT_LINE = Pattern.compile("pause-proxy listening for clients on (\\S+):(\\d+)");
    /** The line the proxy logs once its admin listener is bound. */
    public static final Pattern ADMIN_LINE = Pattern.compile("admin API listening on (\\S+):(\\d+)");

    private static final String MAIN_CLASS = "io.pausectl.proxy.PauseProxyMain";
    private static final String LOGBACK_PROVIDER = "ch.qos.logback.classic.spi.LogbackServiceProvider";
    private static final String LOGBACK_CONFIG = "logback.xml";
    private static final int KEPT_LINES = 200;
    private static final List<String> QUICK_START = List.of("-XX:TieredStopAtLevel=1", "-XX:CICompilerCount=1",
            "-XX:+UseSerialGC");

    private final Process process;
    private final InetSocketAddress clientAddress;
    private final InetSocketAddress adminAddress;
    private final Deque<String> lastLines;

    private ProxyProcess(Process process, InetSocketAddress clientAddress, InetSocketAddress adminAddress,
                         Deque<String> lastLines) {
        this.process = process;
        this.clientAddress = clientAddress;
        this.adminAddress = adminAddress;
        this.lastLines = lastLines;
    }

    /** Starts a proxy with this JVM's class path and no extra JVM options, waiting up to 30 s for it to listen. */
    public static ProxyProcess start(List<String> args) throws IOException {
        return builder().args(args).start();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Where clients connect. */
    public InetSocketAddress clientAddress() {
        return clientAddress;
    }

    /** Where the admin API listens. */
    public InetSocketAddress adminAddress() {
        return adminAddress;
    }

    /** {@code http://host:port} of the client listener. */
    public String clientUrl() {
        return url(clientAddress);
    }

    /** {@code http://host:port} of the admin API. */
    public String adminUrl() {
        return url(adminAddress);
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** The last lines the proxy wrote, for error messages. */
    public List<String> lastLines() {
        synchronized (lastLines) {
            return new ArrayList<>(lastLines);
        }
    }

    /** Sends SIGTERM (graceful shutdown) and waits up to {@code timeout} for the exit code. */
    public int terminate(Duration timeout) throws InterruptedException, TimeoutException {
        // Through the handle: Process.destroy() also closes our end of the child's output, and
        // the lines it writes while shutting down would be lost.
        process.toHandle().destroy();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new TimeoutException("pause-proxy (pid " + pid() + ") did not exit within " + timeout
                    + " of SIGTERM; last lines:\n" + String.join("\n", lastLines()));
        }
        return process.exitValue();
    }

    /** Sends SIGKILL and waits for the process to be gone. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    /** Kills the proxy if it still runs. */
    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static String url(InetSocketAddress a) {
        String host = a.getHostString();
        return "http://" + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    /** Options for starting a proxy process. */
    public static final class Builder {
        private final List<String> args = new ArrayList<>();
        private final List<String> jvmOptions = new ArrayList<>();
        private String classPath = System.getProperty("java.class.path");
        private Path javaHome = Path.of(System.getProperty("java.home"));
        // A bound for a proxy that never listens, not a speed target: on a machine whose niced test
        // runs share two cores with un-niced benchmarks, a JVM took more than 30 s to start.
        private Duration startTimeout = Duration.ofSeconds(60);
        private boolean expectAdmin = true;
        private Consumer<String> output = line -> { };
        private boolean launcherDefaults = true;

        private Builder() {
        }

        /** The proxy's own arguments, as on its command line. */
        public Builder args(List<String> args) {
            this.args.addAll(args);
            return this;
        }

        /**
         * Whether the launcher's default JVM options ({@link JvmDefaults}) come first, as when a
         * user runs {@code pause-proxy} (default true); the options given here replace those of
         * the same kind either way.
         */
        public Builder launcherDefaults(boolean launcherDefaults) {
            this.launcherDefaults = launcherDefaults;
            return this;
        }

        /** JVM options, e.g. {@code -Xmx256m}. */
        public Builder jvmOptions(List<String> options) {
            this.jvmOptions.addAll(options);
            return this;
        }

        /**
         * JVM options for a short-lived proxy of a test whose time is mostly JVM start-ups on shared cores
         * (the fleet scenarios): the C1 compiler only, one compiler thread, the serial collector. The
         * proxy behaves the same; its peak speed, which such a test never measures, is lower. Not for
         * the bench.
         */
        public Builder quickStart() {
            return jvmOptions(QUICK_START);
        }

        /** The class path holding the proxy; defaults to this JVM's. */
        public Builder classPath(String classPath) {
            this.classPath = classPath;
            return this;
        }

        public Builder javaHome(Path javaHome) {
            this.javaHome = javaHome;
            return this;
        }

        public Builder startTimeout(Duration startTimeout) {
            this.startTimeout = startTimeout;
            return this;
        }

        /** Whether to wait for the admin API line too (default true). */
        public Builder expectAdmin(boolean expectAdmin) {
            this.expectAdmin = expectAdmin;
            return this;
        }

        /** Receives every line the proxy writes (stdout and stderr merged), on the pump thread. */
        public Builder output(Consumer<String> output) {
            this.output = output;
            return this;
        }

        /**
         * Starts the process and waits until it listens.
         *
         * @throws IOException when it cannot start, exits, or does not listen within the start timeout;
         *                     the message carries its last lines
         */
        public ProxyProcess start() throws IOException {
            List<String> command = new ArrayList<>();
            command.add(javaHome.resolve("bin").resolve("java").toString());
            // The proxy logs (and announces its ports) through logback, even when the class path
            // also holds another SLF4J provider, as the CLI's does (slf4j-nop).
            command.add("-Dslf4j.provider=" + LOGBACK_PROVIDER);
            // ...and with its own configuration (it announces its ports at INFO), not a quieter
            // logback-test.xml that a test class path may hold.
            command.add("-Dlogback.configurationFile=" + LOGBACK_CONFIG);
            command.addAll(launcherDefaults ? JvmDefaults.merge(JvmDefaults.options(), jvmOptions) : jvmOptions);
            command.add("-cp");
            command.add(classPath);
            command.add(MAIN_CLASS);
            command.addAll(args);
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
            if (launcherDefaults) {
                // as the launcher does: a few threads need no more than two malloc arenas
                builder.environment().putIfAbsent("MALLOC_ARENA_MAX", "2");
            }
            Process process = builder.start();

            Deque<String> lastLines = new ArrayDeque<>();
            CompletableFuture<InetSocketAddress> client = new CompletableFuture<>();
            CompletableFuture<InetSocketAddress> admin = new CompletableFuture<>();
            if (!expectAdmin) {
                admin.complete(null);
            }
            Thread pump = new Thread(() -> pump(process, lastLines, client, admin), "pause-proxy-" + process.pid() + "-output");
            pump.setDaemon(true);
            pump.start();

            try {
                CompletableFuture.allOf(client, admin).get(startTimeout.toMillis(), TimeUnit.MILLISECONDS);
                return new ProxyProcess(process, client.get(), admin.get(), lastLines);
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for pause-proxy to start", e);
            } catch (ExecutionException | TimeoutException e) {
                process.destroyForcibly();
                String why = e instanceof TimeoutException ? "did not listen within " + startTimeout : "exited";
                List<String> lines;
                synchronized (lastLines) {
                    lines = new ArrayList<>(lastLines);
                }
                throw new IOException("pause-proxy " + why + "; command: " + String.join(" ", command.subList(0, 1))
                        + " ... " + MAIN_CLASS + " " + String.join(" ", args) + "\nlast lines:\n" + String.join("\n", lines), e);
            }
        }

        private void pump(Process process, Deque<String> lastLines,
                          CompletableFuture<InetSocketAddress> client, CompletableFuture<InetSocketAddress> admin) {
            try (BufferedReader in = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    synchronized (lastLines) {
                        lastLines.addLast(line);
                        if (lastLines.size() > KEPT_LINES) {
                            lastLines.removeFirst();
                        }
                    }
                    completeOnMatch(CLIENT_LINE, line, client);
                    completeOnMatch(ADMIN_LINE, line, admin);
                    output.accept(line);
                }
            } catch (IOException e) {
                // the stream closes when the process dies; the waiters below learn it from the exit
            } finally {
                IOException exited = new IOException("pause-proxy exited");
                client.completeExceptionally(exited);
                admin.completeExceptionally(exited);
            }
        }

        private static void completeOnMatch(Pattern pattern, String line, CompletableFuture<InetSocketAddress> target) {
            if (target.isDone()) {
                return;
            }
            Matcher m = pattern.matcher(line);
            if (m.find()) {
                String host = m.group(1);
                if (host.startsWith("[") && host.endsWith("]")) {
                    host = host.substring(1, host.length() - 1);
                }
                target.complete(new InetSocketAddress(host, Integer.parseInt(m.group(2))));
            }
        }
    }
}
