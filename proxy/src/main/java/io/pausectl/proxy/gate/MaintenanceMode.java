package io.pausectl.proxy.gate;

import io.netty.util.concurrent.EventExecutor;
import io.pausectl.common.Durations;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;

/**
 * Maintenance mode, on or off: which {@link MaintenanceWindow} is on, and the rules for turning one
 * on, changing it (naming its lease), turning it off and letting its lease expire. Changed only on
 * the gate's executor; the window on is published through one volatile field, which the request
 * path reads ({@link #current}). What maintenance does to the held requests is the gate's business.
 */
final class MaintenanceMode {
    private static final Logger log = LoggerFactory.getLogger(MaintenanceMode.class);

    private final EventExecutor executor;
    private final Clock clock;
    private volatile MaintenanceWindow on;

    /** @param executor the gate's executor, where every change and the expiry run */
    MaintenanceMode(EventExecutor executor, Clock clock) {
        this.executor = executor;
        this.clock = clock;
    }

    /** The window on now, or null; safe from any thread. */
    MaintenanceWindow current() {
        return on;
    }

    /**
     * Turns maintenance on, or, when the order names the lease of the one on, replaces it with the
     * order's message, scope and ttl (renewed from now). On the executor.
     *
     * @return the window now on
     * @throws LeaseConflictException when another maintenance is on
     * @throws LeaseGoneException     when the order names a lease that is not on
     */
    MaintenanceWindow turnOn(MaintenanceOrder order, ScopeMatcher scope) {
        MaintenanceWindow before = on;
        String leaseId;
        if (before != null) {
            if (order.leaseId().isEmpty() || !order.leaseId().get().equals(before.leaseId)) {
                throw new LeaseConflictException("maintenance mode is already on, turned on by '" + before.holder
                        + "' (lease " + before.leaseId + ", message '" + before.notice.message() + "'); turn it off"
                        + " first, or name its lease to change it");
            }
            leaseId = before.leaseId;
        } else if (order.leaseId().isPresent()) {
            throw new LeaseGoneException("maintenance lease " + order.leaseId().get() + " is no longer on (it"
                    + " ended, expired, or never existed)");
        } else {
            leaseId = LeaseIds.next();
        }
        MaintenanceWindow next = new MaintenanceWindow(leaseId, order.holder(), scope,
                new MaintenanceNotice(order.message(), Long.toString(order.retryAfter().toSeconds())),
                executor, clock, w -> end(w, "its lease expired (not renewed within its ttl)"));
        next.renewFor(order.ttl());
        if (before != null) {
            before.end();
        }
        on = next;
        log.info("maintenance mode {} by '{}' (lease {}…, scope {}, ttl {}): answering 503 with Retry-After {}s",
                before == null ? "on" : "changed", next.holder, leaseId.substring(0, 8), scope.describe(),
                Durations.format(order.ttl()), next.notice.retryAfterSeconds());
        return next;
    }

    /**
     * Turns off the maintenance {@code leaseId} names, or whichever is on when it is null. Turning
     * off what is not on is not an error, unless a lease is named. On the executor.
     *
     * @throws LeaseGoneException when the named lease is not the one on
     */
    void turnOff(String leaseId) {
        MaintenanceWindow now = on;
        if (leaseId != null && (now == null || !now.leaseId.equals(leaseId))) {
            throw new LeaseGoneException("maintenance lease " + leaseId + " is not on (it ended, expired, or"
                    + " never existed)");
        }
        if (now != null) {
            end(now, "turned off");
        }
    }

    /** Ends whatever is on without a word (the proxy is shutting down); on the executor. */
    void endForShutdown() {
        MaintenanceWindow now = on;
        if (now != null) {
            now.end();
        }
    }

    private void end(MaintenanceWindow w, String why) {
        w.end();
        if (on == w) {
            on = null;
            log.info("maintenance mode off: {}", why);
        }
    }
}
