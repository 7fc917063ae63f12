package io.pausectl.proxy.gate;

/** A renew or resume named a lease that no longer holds the gate (the admin API answers 404). */
public final class LeaseNotFoundException extends RuntimeException {
    public LeaseNotFoundException(String message) {
        super(message, null, false, false);
    }
}
