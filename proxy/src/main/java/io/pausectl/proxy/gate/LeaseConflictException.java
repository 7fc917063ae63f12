package io.pausectl.proxy.gate;

/** A pause was asked while another lease holds the gate (the admin API answers 409). */
public final class LeaseConflictException extends RuntimeException {
    public LeaseConflictException(String message) {
        super(message, null, false, false);
    }
}
