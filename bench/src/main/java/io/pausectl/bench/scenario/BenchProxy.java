package io.pausectl.bench.scenario;

import io.pausectl.testkit.proxy.ProxyProcess;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeoutException;

/**
 * A real pause-proxy, in its own JVM, in front of the bench's upstream, on loopback ports of its
 * choosing; with the admin client the hold and drain scenarios use.
 */
final class BenchProxy implements AutoCloseable {
    private final ProxyProcess process;
    private AdminClient admin;

    private final Thread killOnExit;

    private BenchProxy(ProxyProcess process) {
        this.process = process;
        // a Ctrl-C ends the bench through shutdown hooks, not through close(): take the proxy along
        this.killOnExit = new Thread(process::close, "pause-proxy-" + process.pid() + "-reaper");
        Runtime.getRuntime().addShutdownHook(killOnExit);
    }

    /**
     * Starts a proxy in front of {@code upstream} with the given extra proxy flags and JVM options.
     */
    static BenchProxy start(URI upstream, List<String> extraArgs, List<String> jvmOptions) throws IOException {
        List<String> args = new ArrayList<>(List.of(
                "--listen", "127.0.0.1:0",
                "--admin-listen", "127.0.0.1:0",
                "--upstream", upstream.toString()));
        args.addAll(extraArgs);
        return new BenchProxy(ProxyProcess.builder().args(args).jvmOptions(jvmOptions).start());
    }

    URI clientUri() {
        return URI.create(process.clientUrl());
    }

    String adminUrl() {
        return process.adminUrl();
    }

    long pid() {
        return process.pid();
    }

    synchronized AdminClient admin() {
        if (admin == null) {
            admin = new AdminClient(process.adminUrl());
        }
        return admin;
    }

    /** The proxy's last output lines, for error messages. */
    String lastLines() {
        return String.join("\n", process.lastLines());
    }

    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(killOnExit);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs anyway
        }
        try {
            process.terminate(Duration.ofSeconds(10));
        } catch (TimeoutException e) {
            process.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.close();
        }
    }
}
