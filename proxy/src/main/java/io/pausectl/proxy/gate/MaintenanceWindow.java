package io.pausectl.proxy.gate;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import io.pausectl.api.Maintenance;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Maintenance mode while it is on: a lease of its own, apart from any pause (a pause's holder
 * neither renews nor ends it, and it neither renews nor ends a pause). It ends when turned off or
 * when its ttl runs out without renewal. Its fields are immutable except the expiry, which belongs
 * to the gate's executor; the request path reads only {@link #scope} and {@link #notice}.
 */
final class MaintenanceWindow {
    final String leaseId;
    final String holder;
    final ScopeMatcher scope;
    final MaintenanceNotice notice;

    private final EventExecutor executor;
    private final Clock clock;
    private final Consumer<MaintenanceWindow> onExpiry;

    // Owned by the executor.
    private boolean active = true;
    private Instant expiresAt;
    private ScheduledFuture<?> expiry;

    MaintenanceWindow(String leaseId, String holder, ScopeMatcher scope, MaintenanceNotice notice,
                      EventExecutor executor, Clock clock, Consumer<MaintenanceWindow> onExpiry) {
        this.leaseId = leaseId;
        this.holder = holder;
        this.scope = scope;
        this.notice = notice;
        this.executor = executor;
        this.clock = clock;
        this.onExpiry = onExpiry;
    }

    boolean active() {
        return active;
    }

    /** Expires {@code ttl} from now unless renewed again; on the executor. */
    void renewFor(Duration ttl) {
        if (expiry != null) {
            expiry.cancel(false);
        }
        long nanos = PauseLease.saturatedNanos(ttl);
        expiresAt = clock.instant().plusNanos(nanos);
        expiry = executor.schedule(() -> {
            if (active) {
                onExpiry.accept(this);
            }
        }, nanos, TimeUnit.NANOSECONDS);
    }

    /** Ends it: it no longer answers requests and its timer is cancelled; on the executor. */
    void end() {
        active = false;
        if (expiry != null) {
            expiry.cancel(false);
            expiry = null;
        }
    }

    /** As the admin API shows it. */
    Maintenance toApi() {
        return new Maintenance(leaseId, holder, notice.message(), Long.parseLong(notice.retryAfterSeconds()),
                expiresAt, scope.scope);
    }
}
