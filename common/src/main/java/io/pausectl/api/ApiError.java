package io.pausectl.api;

/**
 * The body of every admin API error answer (400, 401, 404, 409, 500).
 *
 * @param error   a stable code: {@code bad_request}, {@code unauthorized}, {@code not_found},
 *                {@code conflict}, {@code internal}
 * @param message a sentence for a person
 */
public record ApiError(String error, String message) {
}
