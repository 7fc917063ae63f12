package io.pausectl.bench.command;

import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;

/** The options every scenario that starts a pause-proxy shares. */
final class ProxyOptions {
    @Option(names = "--proxy-jvm-option", paramLabel = "OPT",
            description = "A JVM option for the pause-proxy process (repeatable), e.g. --proxy-jvm-option=-Xmx256m.")
    List<String> jvmOptions = new ArrayList<>();
}
