package io.pausectl.cli;

import io.pausectl.api.Status;
import io.pausectl.testkit.http.TestUpstream;
import io.pausectl.testkit.proxy.ProxyProcess;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One real pause-proxy process in front of testkit's {@link TestUpstream}, and real {@code pausectl} processes
 * aimed at its admin API ({@code --target}): the set-up of the suites that check the CLI against one proxy.
 * {@link #close} (call it from {@code @AfterEach}) stops every pausectl it started, the proxy and the origin.
 */
final class ProxyCliFixture implements AutoCloseable {
    private final Path dir;
    private final TestUpstream upstream;
    private final ProxyProcess proxy;
    private final List<PausectlProcess> pausectls = new ArrayList<>();

    private ProxyCliFixture(Path dir, TestUpstream upstream, ProxyProcess proxy) {
        this.dir = dir;
        this.upstream = upstream;
        this.proxy = proxy;
    }

    /** Starts the origin and the proxy (on free loopback ports) with {@code more} arguments; logs go under {@code dir}. */
    static ProxyCliFixture start(Path dir, String... more) throws IOException {
        TestUpstream upstream = new TestUpstream();
        try {
            List<String> args = new ArrayList<>(List.of("--listen", "127.0.0.1:0", "--upstream", upstream.url(),
                    "--admin-listen", "127.0.0.1:0"));
            args.addAll(List.of(more));
            return new ProxyCliFixture(dir, upstream, ProxyProcess.builder().args(args).start());
        } catch (IOException | RuntimeException e) {
            upstream.close();
            throw e;
        }
    }

    TestUpstream upstream() {
        return upstream;
    }

    ProxyProcess proxy() {
        return proxy;
    }

    /** {@code pausectl --target <the proxy's admin API> ARGS} as a process, started and not waited for. */
    PausectlProcess pausectl(String... args) throws IOException {
        List<String> all = new ArrayList<>(List.of("--target", proxy.adminUrl()));
        all.addAll(List.of(args));
        PausectlProcess p = PausectlProcess.start(dir.resolve("logs"), all);
        pausectls.add(p);
        return p;
    }

    /** The proxy's {@code GET /v1/status}. */
    Status status() throws Exception {
        try (AdminApiTarget admin = new AdminApiTarget(proxy.adminUrl(), Optional.empty(), Duration.ofSeconds(10))) {
            return admin.status();
        }
    }

    @Override
    public void close() {
        pausectls.forEach(PausectlProcess::close);
        proxy.close();
        upstream.close();
    }
}
