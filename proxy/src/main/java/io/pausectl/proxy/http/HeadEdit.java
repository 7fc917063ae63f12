package io.pausectl.proxy.http;

import io.netty.util.concurrent.FastThreadLocal;

import java.util.ArrayList;
import java.util.List;

/**
 * The two lists a head edit is made of ({@link HeadLines#edit}): the field names it drops and the
 * fields it adds, as name, value pairs. One pair of lists per thread, cleared by {@link #current}
 * and used at once (filled, handed to the edit, done), never kept: a connection kept its own pair
 * before, 176 bytes that every held request's connection carried for nothing.
 *
 * <p>Not reentrant: whoever takes the lists must be done with them before anything else on the
 * same thread takes them again (a head edit calls no other handler).
 */
final class HeadEdit {
    private static final FastThreadLocal<HeadEdit> LISTS = new FastThreadLocal<>() {
        @Override
        protected HeadEdit initialValue() {
            return new HeadEdit();
        }
    };

    /** Field names the edit drops. */
    final List<CharSequence> drop = new ArrayList<>(8);
    /** Fields the edit adds: name, value, name, value… */
    final List<CharSequence> add = new ArrayList<>(16);

    private HeadEdit() {
    }

    /** This thread's lists, emptied. */
    static HeadEdit current() {
        HeadEdit e = LISTS.get();
        e.drop.clear();
        e.add.clear();
        return e;
    }
}
