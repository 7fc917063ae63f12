package io.pausectl.bench.upstream;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The sample upstream as its own process, so that a window can SIGKILL it as an outage would
 * ({@link ProcessUpstream} starts it). Arguments: {@code PORT} (0: a free one) and the keep-alive
 * timeout in milliseconds ({@code -}: none). Writes {@code listening <port>} once bound, then
 * {@code seen <X-Req-Id>} for each request as it arrives, before answering it (each line flushed,
 * so what a killed process saw is still read by its parent); ends when its standard input does.
 */
public final class UpstreamProcess {
    /** The first line, with the port. */
    static final String LISTENING = "listening ";
    /** The start of a line that reports a request's id. */
    static final String SEEN = "seen ";

    private UpstreamProcess() {
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        Duration keepAlive = args.length > 1 && !"-".equals(args[1]) ? Duration.ofMillis(Long.parseLong(args[1])) : null;
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.UTF_8);
        SampleUpstream upstream = SampleUpstream.start(1, UpstreamBehaviour.ALWAYS_OK, keepAlive, port, id -> {
            synchronized (out) {
                out.print(SEEN + id + "\n");
                out.flush();
            }
        });
        synchronized (out) {
            out.print(LISTENING + upstream.address().getPort() + "\n");
            out.flush();
        }
        try {
            while (System.in.read() >= 0) {
                // the parent holds our standard input open while it wants us
            }
        } catch (IOException e) {
            // the parent is gone
        }
        upstream.close();
        System.exit(0);
    }
}
