package io.pausectl.proxy.client;

import com.code_intelligence.jazzer.junit.FuzzTest;

import java.util.Arrays;

/**
 * Fuzzes the codec's strict path for whole request heads against Netty's decoder alone: whatever
 * bytes arrive, cut into socket reads where the input says, both give the same account of them
 * ({@link StrictHeadPathTest#compare}: messages, refusals, fields, relayed bytes, events). The
 * first byte chooses the limits (bit 0: small ones) and the number of cuts (bits 1-2); that many
 * bytes follow, each a cut's position in halves; the rest is what the client sends. Seeds: the
 * common heads, pipelined heads, the body framings, in {@code StrictHeadPathFuzzTestInputs/}.
 */
class StrictHeadPathFuzzTest {
    @FuzzTest(maxDuration = "10s")
    void theStrictPathAndNettysDecoderAgree(byte[] data) {
        if (data.length == 0) {
            return;
        }
        int control = data[0];
        int cuts = Math.min((control >> 1) & 3, data.length - 1);
        int[] at = new int[cuts];
        for (int i = 0; i < cuts; i++) {
            at[i] = 2 * (data[1 + i] & 0xff);
        }
        Arrays.sort(at);
        boolean small = (control & 1) != 0;
        byte[] input = Arrays.copyOfRange(data, 1 + cuts, data.length);
        StrictHeadPathTest.compare(input, at, small ? 48 : 512, small ? 96 : 2048);
    }
}
