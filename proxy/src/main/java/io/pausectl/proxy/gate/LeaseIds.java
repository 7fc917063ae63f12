package io.pausectl.proxy.gate;

import java.security.SecureRandom;
import java.util.HexFormat;

/** Lease ids, for pauses and maintenance alike: 128 random bits as 32 lower-case hex digits. */
final class LeaseIds {
    private static final SecureRandom RANDOM = new SecureRandom();

    private LeaseIds() {
    }

    static String next() {
        byte[] id = new byte[16];
        RANDOM.nextBytes(id);
        return HexFormat.of().formatHex(id);
    }
}
