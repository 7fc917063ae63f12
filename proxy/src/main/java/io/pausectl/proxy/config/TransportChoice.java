package io.pausectl.proxy.config;

import java.util.Locale;

/**
 * Which socket transport serves clients and upstreams ({@code --transport}). All of them give the
 * same answers; they differ in cost, and in one guarantee: a request with a body on a new upstream
 * connection waits until the upstream's kernel holds the connection only where the transport can
 * read {@code TCP_INFO} (io_uring and epoll, not NIO).
 */
public enum TransportChoice {
    /** The default: io_uring where the kernel allows it, else epoll, else Java NIO. */
    AUTO("auto"),
    /**
     * Linux io_uring (Netty's {@code IoUringIoHandler}): reads and writes are queued to the kernel
     * and reaped in batches, fewer system calls per request than epoll. Needs Linux 5.9 or later (Netty's
     * check) and a seccomp policy that allows {@code io_uring_setup} (Docker's default profile and
     * Kubernetes' {@code RuntimeDefault} do not).
     */
    IO_URING("io_uring"),
    /** Linux epoll (Netty's {@code EpollIoHandler}). */
    EPOLL("epoll"),
    /** Java NIO: any platform; no {@code TCP_INFO}. */
    NIO("nio");

    private final String spelling;

    TransportChoice(String spelling) {
        this.spelling = spelling;
    }

    /** The setting's spelling, as in flags and YAML. */
    public String spelling() {
        return spelling;
    }

    /** The value spelled {@code text} (any case), or null when there is none. */
    public static TransportChoice parse(String text) {
        String wanted = text.trim().toLowerCase(Locale.ROOT);
        for (TransportChoice t : values()) {
            if (t.spelling.equals(wanted)) {
                return t;
            }
        }
        return null;
    }
}
