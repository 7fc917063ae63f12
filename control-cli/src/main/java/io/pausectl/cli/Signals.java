package io.pausectl.cli;

import java.util.function.Consumer;

/**
 * Where {@code run} learns that pausectl is asked to stop ({@code INT}, {@code TERM}, {@code HUP}).
 * The real one ({@link PosixSignals}) listens to the process's signals; tests raise them by hand.
 */
public interface Signals {

    /**
     * Until the returned handle is closed, calls {@code handler} with the signal's name
     * ({@code "INT"}, {@code "TERM"}, {@code "HUP"}) instead of the JVM's default action.
     */
    Registration install(Consumer<String> handler);

    /** Puts the previous handling back. */
    interface Registration extends AutoCloseable {
        @Override
        void close();
    }
}
