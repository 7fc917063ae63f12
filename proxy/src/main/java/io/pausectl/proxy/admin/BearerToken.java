package io.pausectl.proxy.admin;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The admin token, compared in constant time: both sides are hashed first so that neither the
 * content nor the length of the expected token shows in the comparison's timing.
 */
final class BearerToken {
    private static final String PREFIX = "Bearer ";
    private final byte[] expectedDigest;

    BearerToken(String token) {
        this.expectedDigest = sha256(token);
    }

    /** Whether an {@code Authorization} header value carries the token. */
    boolean accepts(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, PREFIX, 0, PREFIX.length())) {
            return false;
        }
        byte[] offered = sha256(authorization.substring(PREFIX.length()).trim());
        return MessageDigest.isEqual(expectedDigest, offered);
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JRE", e);
        }
    }
}
