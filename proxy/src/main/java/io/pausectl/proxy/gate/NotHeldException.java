package io.pausectl.proxy.gate;

/**
 * A held request was named by an id that no request held now has: it was released, timed out,
 * cancelled, its client left, or it was never held (the admin API answers 404 {@code not_found}, as
 * for a {@link LeaseGoneException}).
 */
public final class NotHeldException extends RuntimeException {
    public NotHeldException(String message) {
        super(message, null, false, false);
    }
}
