package io.pausectl.api;

/**
 * Body of {@code POST /v1/maintenance}: turns maintenance mode on, or (naming its lease) changes and
 * renews the one that is on.
 *
 * @param message    what clients are told (required), one line of at most {@value AdminRequests#MAX_TEXT}
 *                   characters
 * @param retryAfter the {@code Retry-After} to give, a duration in whole seconds from {@code 1s} to
 *                   {@code 24h}; {@code 60s} when omitted
 * @param ttl        how long it stays on unless renewed, {@code 1s} to {@code 8760h}; {@code 10m} when omitted
 * @param holder     who asks (shown in status and logs)
 * @param scope      which requests to answer; all when omitted
 * @param lease      the id of the maintenance this caller turned on: renews and changes it instead of
 *                   a conflict
 */
public record MaintenanceRequest(String message, String retryAfter, String ttl, String holder, Scope scope,
                                 String lease) {
}
