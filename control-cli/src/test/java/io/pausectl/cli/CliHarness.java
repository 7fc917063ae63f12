package io.pausectl.cli;

import io.pausectl.cli.target.PauseTarget;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Runs pausectl's command line in the test's JVM with captured stdout and stderr, fake targets by
 * URL, an environment of the test's choosing and signals raised by hand.
 */
final class CliHarness {
    final Map<String, String> env = new HashMap<>();
    final Map<String, FakeTarget> targets = new LinkedHashMap<>();
    final List<TargetSelection> selections = new CopyOnWriteArrayList<>();
    final ManualSignals signals = new ManualSignals();
    boolean terminal;
    /** Open real admin API clients instead of the fakes. */
    boolean realTargets;
    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();

    CliHarness() {
        env.put("PATH", System.getenv("PATH"));
    }

    /** A fake target answering at this URL. */
    FakeTarget target(String url) {
        return targets.computeIfAbsent(url, FakeTarget::new);
    }

    /** Runs {@code args} on the command line built for them, as the executable does. */
    int run(String... args) {
        return run(args, args);
    }

    /** Runs {@code args} on the command line built for {@code modelArgs} (null: the whole annotated tree). */
    int run(String[] modelArgs, String[] args) {
        CliContext context = new CliContext(env, terminal, this::open, signals, "pausectl/test@host:1");
        return PausectlCommand.commandLine(context, new PrintWriter(out, true), new PrintWriter(err, true), modelArgs)
                .execute(args);
    }

    String out() {
        return out.toString();
    }

    String err() {
        return err.toString();
    }

    private List<PauseTarget> open(TargetSelection selection) {
        selections.add(selection);
        if (realTargets) {
            return TargetFactory.real().open(selection);
        }
        List<PauseTarget> opened = new ArrayList<>();
        for (String url : selection.urls()) {
            AdminApiTarget.parseUrl(url);
            opened.add(target(url));
        }
        return opened;
    }

    /** Signals the test raises itself. */
    static final class ManualSignals implements Signals {
        private volatile Consumer<String> handler;

        @Override
        public Registration install(Consumer<String> h) {
            handler = h;
            return () -> handler = null;
        }

        boolean installed() {
            return handler != null;
        }

        void raise(String name) {
            Consumer<String> h = handler;
            if (h == null) {
                throw new IllegalStateException("no handler installed");
            }
            h.accept(name);
        }
    }
}
