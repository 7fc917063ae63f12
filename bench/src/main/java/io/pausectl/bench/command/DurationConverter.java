package io.pausectl.bench.command;

import java.time.Duration;

/**
 * Reads a duration option in pausectl's one grammar (Go's: {@code 500ms}, {@code 10s},
 * {@code 1.5s}, {@code 1m30s}), more than 0 and at most {@link #MAX}; out of range is a usage error.
 * pausectl's converter does the reading; this class only says the bench's bounds.
 */
final class DurationConverter extends io.pausectl.cli.DurationConverter {
    /** No bench run lasts longer. */
    static final Duration MAX = Duration.ofHours(24);

    DurationConverter() {
        super(Duration.ofMillis(1), MAX);
    }

    /** The same, 0 included: an optional step given 0 is skipped. */
    static final class OrZero extends io.pausectl.cli.DurationConverter {
        OrZero() {
            super(Duration.ZERO, MAX);
        }
    }
}
