package io.pausectl.proxy.gate;

/**
 * A pause, renew or resume named a lease that no longer holds the gate: it ended, expired or never
 * existed (the admin API answers 404 {@code not_found}). The CLI names the same error
 * {@code io.pausectl.cli.target.LeaseGoneException}.
 */
public final class LeaseGoneException extends RuntimeException {
    public LeaseGoneException(String message) {
        super(message, null, false, false);
    }
}
