package io.pausectl.proxy.gate;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class HeldQueueTest {
    private final HeldQueue queue = new HeldQueue();

    private static TestRequest req(String name) {
        return new TestRequest(null, name);
    }

    private List<GatedRequest> drain() {
        List<GatedRequest> out = new ArrayList<>();
        GatedRequest r;
        while ((r = queue.poll()) != null) {
            out.add(r);
        }
        return out;
    }

    @Test
    void pollsInArrivalOrder() {
        TestRequest a = req("a");
        TestRequest b = req("b");
        TestRequest c = req("c");
        assertThat(queue.isEmpty()).isTrue();
        assertThat(queue.poll()).isNull();
        queue.add(a);
        queue.add(b);
        queue.add(c);
        assertThat(queue.isEmpty()).isFalse();
        assertThat(queue.peek()).isSameAs(a);
        assertThat(drain()).containsExactly(a, b, c);
        assertThat(queue.isEmpty()).isTrue();
        assertThat(queue.peek()).isNull();
    }

    @Test
    void removesFromHeadMiddleAndTailKeepingTheOrder() {
        TestRequest a = req("a");
        TestRequest b = req("b");
        TestRequest c = req("c");
        TestRequest d = req("d");
        TestRequest e = req("e");
        for (TestRequest r : List.of(a, b, c, d, e)) {
            queue.add(r);
        }
        assertThat(queue.remove(c)).isTrue();
        assertThat(queue.remove(a)).isTrue();
        assertThat(queue.remove(e)).isTrue();
        assertThat(queue.peek()).isSameAs(b);
        TestRequest f = req("f");
        queue.add(f);
        assertThat(drain()).containsExactly(b, d, f);
    }

    @Test
    void removingWhatIsNotQueuedChangesNothing() {
        TestRequest a = req("a");
        TestRequest b = req("b");
        assertThat(queue.remove(a)).as("never added").isFalse();
        queue.add(a);
        queue.add(b);
        assertThat(queue.poll()).isSameAs(a);
        assertThat(queue.remove(a)).as("already polled").isFalse();
        assertThat(queue.remove(b)).isTrue();
        assertThat(queue.remove(b)).as("already removed").isFalse();
        assertThat(queue.isEmpty()).isTrue();
    }

    @Test
    void aRequestTakenOutCanBeQueuedAgain() {
        TestRequest a = req("a");
        TestRequest b = req("b");
        queue.add(a);
        queue.add(b);
        queue.remove(a);
        queue.add(a);
        assertThat(drain()).containsExactly(b, a);
    }

    @Test
    void removeIfTakesOutTheMatchesInOrderAndKeepsTheRest() {
        List<TestRequest> all = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            TestRequest r = req(Integer.toString(i));
            all.add(r);
            queue.add(r);
        }
        List<GatedRequest> taken = new ArrayList<>();
        int n = queue.removeIf(r -> Integer.parseInt(r.toString()) % 3 != 1, r -> {
            assertThat(r.queued).as("out before it is handed on").isFalse();
            taken.add(r);
        });
        assertThat(n).isEqualTo(5);
        assertThat(taken).containsExactly(all.get(0), all.get(2), all.get(3), all.get(5), all.get(6));
        assertThat(drain()).containsExactly(all.get(1), all.get(4));
    }

    @Test
    void removeIfOnAnEmptyQueueOrWithNoMatch() {
        assertThat(queue.removeIf(r -> true, r -> { })).isZero();
        TestRequest a = req("a");
        queue.add(a);
        assertThat(queue.removeIf(r -> false, r -> { })).isZero();
        assertThat(drain()).containsExactly(a);
    }

    @Test
    void listsTheOldestInOrderAndLeavesThemInPlace() {
        TestRequest a = req("a");
        TestRequest b = req("b");
        TestRequest c = req("c");
        assertThat(queue.oldest(5)).isEmpty();
        for (TestRequest r : List.of(a, b, c)) {
            queue.add(r);
        }
        assertThat(queue.oldest(2)).containsExactly(a, b);
        assertThat(queue.oldest(10)).containsExactly(a, b, c);
        assertThat(queue.oldest(0)).isEmpty();
        assertThat(drain()).containsExactly(a, b, c);
    }

    @Test
    void findsARequestByItsHeldIdAndLeavesItInPlace() {
        TestRequest a = req("a");
        TestRequest b = req("b");
        a.heldId = 7;
        b.heldId = 8;
        queue.add(a);
        queue.add(b);
        assertThat(queue.find(8)).isSameAs(b);
        assertThat(queue.find(9)).isNull();
        queue.remove(b);
        assertThat(queue.find(8)).as("taken out: no longer found").isNull();
        assertThat(drain()).containsExactly(a);
    }
}
