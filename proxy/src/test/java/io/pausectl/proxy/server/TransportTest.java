package io.pausectl.proxy.server;

import io.netty.channel.epoll.Epoll;
import io.netty.channel.uring.IoUring;
import io.pausectl.proxy.config.TransportChoice;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

/** {@code --transport}: each choice gives the transport it names, and auto the best one allowed here. */
class TransportTest {

    @Test
    void autoPrefersIoUringThenEpollThenNio() {
        String expected = IoUring.isAvailable() ? "io_uring" : Epoll.isAvailable() ? "epoll" : "nio";
        assertThat(Transport.of(TransportChoice.AUTO).name()).isEqualTo(expected);
    }

    @Test
    void eachNamedTransportIsTheOneNamedWhereAvailable() {
        assertThat(Transport.of(TransportChoice.NIO).name()).isEqualTo("nio");
        assumeThat(Epoll.isAvailable()).as("epoll's native library loads here").isTrue();
        assertThat(Transport.of(TransportChoice.EPOLL).name()).isEqualTo("epoll");
        assumeThat(IoUring.isAvailable()).as("the kernel allows io_uring here").isTrue();
        assertThat(Transport.of(TransportChoice.IO_URING).name()).isEqualTo("io_uring");
    }

    @Test
    void anUnavailableTransportIsOneLineNamingItsCause() {
        var e = new TransportUnavailableException(TransportChoice.IO_URING,
                new UnsupportedOperationException("failed to create io_uring ring fd: Operation not permitted\n\tat x"));
        assertThat(e.getMessage()).isEqualTo("--transport io_uring is not available here: failed to create io_uring"
                + " ring fd: Operation not permitted (--transport auto picks one that is)");
        assertThat(new TransportUnavailableException(TransportChoice.EPOLL, null).getMessage())
                .isEqualTo("--transport epoll is not available here: its native library did not load"
                        + " (--transport auto picks one that is)");
    }
}
