package io.pausectl.cli;

import sun.misc.Signal;
import sun.misc.SignalHandler;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The process's own signals, through {@code sun.misc.Signal} (in {@code jdk.unsupported}, present on
 * every JDK 17+). Replacing the JVM's handlers means INT/TERM/HUP no longer start a shutdown: pausectl
 * decides when to exit, after it resumed traffic.
 */
final class PosixSignals implements Signals {
    private static final List<String> NAMES = List.of("INT", "TERM", "HUP");

    @Override
    public Registration install(Consumer<String> handler) {
        Map<Signal, SignalHandler> previous = new LinkedHashMap<>();
        for (String name : NAMES) {
            Signal signal = new Signal(name);
            try {
                previous.put(signal, Signal.handle(signal, s -> handler.accept(s.getName())));
            } catch (IllegalArgumentException e) {
                // e.g. the JVM runs with -Xrs: that signal keeps the JVM's own handling
            }
        }
        return () -> previous.forEach(Signal::handle);
    }
}
