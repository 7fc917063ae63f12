package io.pausectl.proxy.gate;

/**
 * The pause gate as the client side sees it. It sits between the parsed request head and the
 * upstream: every request passes {@link #enter} before anything of it is forwarded. Every method
 * is called on the request's client event loop.
 */
public interface PauseGate {

    /**
     * A request head arrived. Called once per request, before anything is forwarded.
     *
     * @return what to do with it; see {@link Admission}
     */
    Admission enter(GatedRequest request);

    /**
     * A request that was forwarded ({@link Admission#FORWARD} or released) is finished: its
     * response was written in full, or the exchange failed. Exactly once per such request.
     */
    void exit(GatedRequest request);

    /**
     * A released request no longer needs its drain slot: the upstream began answering it (its final
     * response head; an interim one such as 103 Early Hints or 100 Continue comes before the work
     * and does not count). From then on its pace is the answer's and its client's, which must not
     * hold back the requests released after it. Any number of times; only the first counts, and
     * nothing happens for a request the gate did not release.
     */
    default void answerStarted(GatedRequest request) {
    }

    /**
     * The client went away while the request was held: it is dropped, never forwarded, and no
     * callback follows.
     */
    void abandon(GatedRequest request);
}
