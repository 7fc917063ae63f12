package io.pausectl.proxy.server;

import io.netty.channel.IoHandle;
import io.netty.channel.IoHandler;
import io.netty.channel.IoHandlerContext;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.IoOps;
import io.netty.channel.IoRegistration;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollIoOps;

/**
 * Netty's epoll I/O handler, with one fault of its registrations worked around: a descriptor whose
 * interest set became empty is taken out of the epoll set and never put back.
 *
 * <p>Since Netty 4.2.13 (netty/netty#16689) {@code EpollIoHandler} removes a descriptor from the
 * epoll set ({@code EPOLL_CTL_DEL}) when its channel submits an empty interest set, but keeps the
 * registration marked as added; the next interest (EPOLLOUT, when a write has to wait for the
 * socket) is then an {@code EPOLL_CTL_MOD} of a descriptor epoll no longer holds, which fails with
 * ENOENT, and the channel shuts its output down and fails every queued write (4.2.18 and 4.2.20
 * alike). A connection's set becomes empty only once its input is shut down (a client that
 * half-closed: EPOLLIN and EPOLLRDHUP both cleared) while nothing waits to be written; an answer
 * to such a client was cut where the socket's send buffer filled (about 3 MB), with a clean FIN.
 *
 * <p>Here an empty set, once the descriptor has been added, is submitted as {@code EPOLLET}
 * alone: the descriptor stays in the epoll set with no event of interest (hang-up and error,
 * which epoll always reports, come once, edge-triggered, instead of at every wait), and the next
 * interest is a modification that succeeds. Before the descriptor is first added, an empty set is
 * passed on as it is (Netty adds a descriptor only once its channel is active).
 */
final class EpollKeptRegistration {
    private EpollKeptRegistration() {
    }

    /** Epoll I/O handlers whose registrations never leave the epoll set while in use. */
    static IoHandlerFactory newFactory() {
        IoHandlerFactory epoll = EpollIoHandler.newFactory();
        return new IoHandlerFactory() {
            @Override
            public IoHandler newHandler(io.netty.util.concurrent.ThreadAwareExecutor executor) {
                return new Handler(epoll.newHandler(executor));
            }

            @Override
            public boolean isChangingThreadSupported() {
                return epoll.isChangingThreadSupported();
            }
        };
    }

    private static final class Handler implements IoHandler {
        private final IoHandler epoll;

        Handler(IoHandler epoll) {
            this.epoll = epoll;
        }

        @Override
        public void initialize() {
            epoll.initialize();
        }

        @Override
        public int run(IoHandlerContext context) {
            return epoll.run(context);
        }

        @Override
        public void prepareToDestroy() {
            epoll.prepareToDestroy();
        }

        @Override
        public void destroy() {
            epoll.destroy();
        }

        @Override
        public IoRegistration register(IoHandle handle) throws Exception {
            return new Registration(epoll.register(handle));
        }

        @Override
        public void wakeup() {
            epoll.wakeup();
        }

        @Override
        public boolean isCompatible(Class<? extends IoHandle> handleType) {
            return epoll.isCompatible(handleType);
        }
    }

    private static final class Registration implements IoRegistration {
        private final IoRegistration epoll;
        /** A non-empty set was submitted: the descriptor is in the epoll set. */
        private volatile boolean added;

        Registration(IoRegistration epoll) {
            this.epoll = epoll;
        }

        @Override
        public <T> T attachment() {
            return epoll.attachment();
        }

        @Override
        public long submit(IoOps ops) {
            if (((EpollIoOps) ops).value() != 0) {
                added = true;
            } else if (added) {
                return epoll.submit(EpollIoOps.EPOLLET);
            }
            return epoll.submit(ops);
        }

        @Override
        public boolean isValid() {
            return epoll.isValid();
        }

        @Override
        public boolean cancel() {
            return epoll.cancel();
        }
    }
}
