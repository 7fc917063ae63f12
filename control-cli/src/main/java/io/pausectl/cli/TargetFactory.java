package io.pausectl.cli;

import io.pausectl.cli.haproxy.HaproxyTargets;
import io.pausectl.cli.target.PauseTarget;

import java.util.ArrayList;
import java.util.List;

/** Opens the targets a command drives. The real one opens admin API clients or HAProxy drivers. */
@FunctionalInterface
public interface TargetFactory {

    /**
     * @throws IllegalArgumentException when an address is malformed (a usage error)
     */
    List<PauseTarget> open(TargetSelection selection);

    /** Admin API targets for URLs, the HAProxy driver for runtime API addresses. */
    static TargetFactory real() {
        return selection -> {
            if (!selection.haproxy().isEmpty()) {
                return HaproxyTargets.open(selection.haproxy(), selection.frontend(), selection.strategy(),
                        selection.timeout());
            }
            List<PauseTarget> targets = new ArrayList<>();
            try {
                for (String url : selection.urls()) {
                    targets.add(new AdminApiTarget(url, selection.token(), selection.timeout()));
                }
            } catch (IllegalArgumentException e) {
                targets.forEach(PauseTarget::close);
                throw e;
            }
            return targets;
        };
    }
}
