package io.pausectl.proxy.http;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A name that counts how often its chars are read: the work a strip or an edit does, measured without
 * a clock (HopByHopHeadersTest, HeadLinesTest).
 */
final class CountedName implements CharSequence {
    private final String name;
    private final AtomicLong reads;

    CountedName(String name, AtomicLong reads) {
        this.name = name;
        this.reads = reads;
    }

    @Override
    public int length() {
        return name.length();
    }

    @Override
    public char charAt(int index) {
        reads.incrementAndGet();
        return name.charAt(index);
    }

    @Override
    public CharSequence subSequence(int start, int end) {
        return name.subSequence(start, end);
    }

    @Override
    public String toString() {
        return name;
    }
}
