package io.pausectl.proxy.gate;

/**
 * What a request answered by maintenance mode is told: the operator's message and the
 * {@code Retry-After} value (RFC 9110 §10.2.3, delay-seconds). Immutable; shared by every request
 * one maintenance answers.
 *
 * @param message           one line of printable text (checked by the admin API)
 * @param retryAfterSeconds whole seconds, as the header's value
 */
public record MaintenanceNotice(String message, String retryAfterSeconds) {
}
