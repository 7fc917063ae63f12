package io.pausectl.fleet;

import java.time.Duration;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * A fleet node's own bound on its pause for an intent, the rule every node follows (a pause-proxy with
 * {@code --fleet}, {@code pausectl agent}): <b>renew the local pause only after a linearizable read still
 * shows the intent</b>, each time for at most the intent's ttl, and never past {@code maxPause} from the
 * node's first pause for that intent, however often it pauses again (after a partition heals). So a node
 * that cannot read etcd resumes by itself within ttl plus one renewal interval, and etcd keeping a lease
 * alive across a leader change never stretches a node's hold.
 *
 * <p>Call {@link #read} each time a linearizable read has shown the intent, then take or renew the local
 * pause for the ttl it returns; call {@link #forget} when the intent is gone. Used from one thread.
 */
public final class LocalBound {
    /** The longest and shortest interval between renewals while paused. */
    static final long MAX_RENEW_EVERY_MS = 1000;
    static final long MIN_RENEW_EVERY_MS = 100;

    private final Duration maxPause;
    private final LongSupplier nanoTime;
    private String intentId;
    private long firstPausedAtNanos;
    private Duration ttl = Duration.ofSeconds(30);

    /** @param maxPause the most a node holds for one intent, renewals included ({@code --max-pause}) */
    public LocalBound(Duration maxPause) {
        this(maxPause, System::nanoTime);
    }

    LocalBound(Duration maxPause, LongSupplier nanoTime) {
        this.maxPause = maxPause;
        this.nanoTime = nanoTime;
    }

    /** The result of a read that showed an intent. */
    public record Renewal(boolean newIntent, Optional<Duration> ttl) {
        /** Whether {@code --max-pause} for this intent is used up: hold nothing for it. */
        public boolean exhausted() {
            return ttl.isEmpty();
        }
    }

    /**
     * A linearizable read has just shown {@code intent}.
     *
     * @return whether it is another intent than the one followed so far (the pause held for that one, if
     *         any, must end first; {@code maxPause} counts afresh from now), and the ttl of the local pause
     *         to take or renew now: the intent's ttl, capped by what is left of {@code maxPause}; empty when
     *         nothing is left
     */
    public Renewal read(Intent intent) {
        long now = nanoTime.getAsLong();
        boolean fresh = !intent.id().equals(intentId);
        if (fresh) {
            intentId = intent.id();
            firstPausedAtNanos = now;
        }
        ttl = intent.ttlDuration();
        Duration left = maxPause.minusNanos(now - firstPausedAtNanos);
        if (left.isNegative() || left.isZero()) {
            return new Renewal(fresh, Optional.empty());
        }
        return new Renewal(fresh, Optional.of(ttl.compareTo(left) < 0 ? ttl : left));
    }

    /** Whether {@code intent} replaces another intent this node follows. */
    public boolean replaces(Intent intent) {
        return intentId != null && !intentId.equals(intent.id());
    }

    /** The intent is gone (or another replaced it): nothing is followed. */
    public void forget() {
        intentId = null;
    }

    /** The id of the intent followed, or null. */
    public String intentId() {
        return intentId;
    }

    /** How often to read and renew while paused: a third of the ttl, from 100 ms to 1 s. */
    public long renewEveryMillis() {
        return Math.max(MIN_RENEW_EVERY_MS, Math.min(MAX_RENEW_EVERY_MS, ttl.toMillis() / 3));
    }
}
