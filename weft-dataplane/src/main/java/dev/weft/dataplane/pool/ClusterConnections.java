package dev.weft.dataplane.pool;

import java.util.Iterator;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * A cluster's upstream connections across all event loops: the {@code max_connections} budget (an atomic count of
 * open connections), the bounded queue of requests waiting for a connection ({@code max_pending_requests}), and the
 * pool counters Envoy reports. Kept across config updates of the cluster, like its request counters.
 *
 * <p>Lock-free. Every change that can free a slot or add a waiter ends in {@link #drain()}, which hands free slots to
 * waiters in arrival order, so no waiter is forgotten while a slot is free. Connections that sit idle hold their
 * slot; when a request waits for one, an idle connection (of any event loop) is asked to close so its slot moves on.
 */
public final class ClusterConnections {
    /** A request waiting for a connection; the pool of its event loop implements it. */
    public interface PendingRequest {
        /** Takes the request out of the queue; true for the one caller that wins (serve, cancel or grant). */
        boolean claim();

        /** A connection slot is this request's (called on any thread; the request hops to its event loop). */
        void onSlot();

        /** Whether a connection of {@code endpointPool} that just became free can serve this request. */
        boolean canUse(Object endpointPool);
    }

    /** An idle connection that may be closed to free its slot for a waiting request. */
    public interface Reclaimable {
        /** Closes the connection unless its event loop took it for a request first; true when it will close. */
        boolean reclaim();
    }

    private final AtomicInteger active = new AtomicInteger();
    private final AtomicInteger pending = new AtomicInteger();
    private final ConcurrentLinkedQueue<PendingRequest> waiters = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Reclaimable> idle = new ConcurrentLinkedQueue<>();
    private final LongAdder connectionsTotal = new LongAdder();
    private final LongAdder connectionOverflows = new LongAdder();
    private final LongAdder pendingTotal = new LongAdder();
    private final LongAdder pendingOverflows = new LongAdder();
    private final LongAdder closedIdle = new LongAdder();
    private final LongAdder closedMaxRequests = new LongAdder();
    private final LongAdder closedMaxDuration = new LongAdder();
    private final LongAdder reusedConnectionReplays = new LongAdder();
    private volatile int maxConnections;
    private volatile int maxPending;

    /** The cluster's current limits (0: none); called when the cluster's config is applied. */
    public void limits(int maxConnections, int maxPendingRequests) {
        this.maxConnections = maxConnections;
        this.maxPending = maxPendingRequests;
        drain(); // a raised limit may serve waiters at once
    }

    /** Whether {@code max_connections} is set: only then are idle connections registered for reclaiming. */
    public boolean limited() {
        return maxConnections > 0;
    }

    /** Takes a slot for a new connection; false (counted as {@code upstream_cx_overflow}) at the limit. */
    public boolean tryOpen() {
        if (!tryTakeSlot()) {
            connectionOverflows.increment();
            return false;
        }
        connectionsTotal.increment();
        return true;
    }

    private boolean tryTakeSlot() {
        for (;;) {
            int max = maxConnections;
            int current = active.get();
            if (max > 0 && current >= max) {
                return false;
            }
            if (active.compareAndSet(current, current + 1)) {
                return true;
            }
        }
    }

    /** A connection that held a slot closed (or a granted slot went unused): the slot goes to a waiter or back. */
    public void release() {
        active.decrementAndGet();
        drain();
    }

    /** A granted slot became a connection. */
    public void openedWithGrantedSlot() {
        connectionsTotal.increment();
    }

    /**
     * Queues {@code request} until a connection frees up; false (counted as {@code upstream_rq_pending_overflow})
     * when {@code max_pending_requests} requests already wait.
     */
    public boolean enqueue(PendingRequest request) {
        for (;;) {
            int max = maxPending;
            int current = pending.get();
            if (max > 0 && current >= max) {
                pendingOverflows.increment();
                return false;
            }
            if (pending.compareAndSet(current, current + 1)) {
                break;
            }
        }
        pendingTotal.increment();
        waiters.add(request);
        drain();
        return true;
    }

    /** Takes a cancelled request (timeout, client gone) out of the queue; false when it was served meanwhile. */
    public boolean cancel(PendingRequest request) {
        if (!request.claim()) {
            return false;
        }
        waiters.remove(request);
        pending.decrementAndGet();
        return true;
    }

    public boolean hasWaiters() {
        return !waiters.isEmpty();
    }

    /** The first waiting request that a free connection of {@code endpointPool} can serve, claimed; or null. */
    public PendingRequest takeFor(Object endpointPool) {
        for (Iterator<PendingRequest> it = waiters.iterator(); it.hasNext(); ) {
            PendingRequest r = it.next();
            if (r.canUse(endpointPool) && r.claim()) {
                waiters.remove(r);
                pending.decrementAndGet();
                return r;
            }
        }
        return null;
    }

    /** Registers an idle connection as one to close when a request waits for a slot. */
    public void idle(Reclaimable connection) {
        idle.add(connection);
        if (!waiters.isEmpty()) {
            drain();
        }
    }

    /** The connection is in use or closed again: no longer a candidate for reclaiming. */
    public void notIdle(Reclaimable connection) {
        idle.remove(connection);
    }

    /** Hands free slots to waiters in order; with none free, asks one idle connection to close. */
    private void drain() {
        while (!waiters.isEmpty()) {
            if (!tryTakeSlot()) {
                Reclaimable r;
                while ((r = idle.poll()) != null) {
                    if (r.reclaim()) {
                        return; // its close releases the slot, which drains again
                    }
                }
                return; // every slot is busy: the next release drains
            }
            PendingRequest next = null;
            PendingRequest r;
            while ((r = waiters.poll()) != null) {
                if (r.claim()) {
                    next = r;
                    break;
                }
            }
            if (next == null) {
                active.decrementAndGet(); // nobody left to take it; loop to re-check for a late waiter
                continue;
            }
            pending.decrementAndGet();
            next.onSlot();
        }
    }

    public void closedIdle() {
        closedIdle.increment();
    }

    public void closedMaxRequests() {
        closedMaxRequests.increment();
    }

    public void closedMaxDuration() {
        closedMaxDuration.increment();
    }

    /** A request went again on a new connection because the reused one it was sent on closed before answering. */
    public void replayedAfterReusedConnectionClosed() {
        reusedConnectionReplays.increment();
    }

    /** Open upstream connections ({@code upstream_cx_active}). */
    public int activeConnections() {
        return active.get();
    }

    /** Requests waiting for a connection ({@code upstream_rq_pending_active}). */
    public int pendingRequests() {
        return pending.get();
    }

    /** Connections opened ({@code upstream_cx_total}). */
    public long connectionsTotal() {
        return connectionsTotal.sum();
    }

    /** Times a connection was not opened because of {@code max_connections} ({@code upstream_cx_overflow}). */
    public long connectionOverflows() {
        return connectionOverflows.sum();
    }

    /** Requests that waited for a connection ({@code upstream_rq_pending_total}). */
    public long pendingTotal() {
        return pendingTotal.sum();
    }

    /** Requests answered 503 {@code UO} because the pending queue was full ({@code upstream_rq_pending_overflow}). */
    public long pendingOverflows() {
        return pendingOverflows.sum();
    }

    /** Connections closed for being idle ({@code upstream_cx_idle_timeout}). */
    public long closedIdleTotal() {
        return closedIdle.sum();
    }

    /** Connections closed after {@code max_requests_per_connection} ({@code upstream_cx_max_requests}). */
    public long closedMaxRequestsTotal() {
        return closedMaxRequests.sum();
    }

    /** Connections closed after {@code max_connection_duration} ({@code upstream_cx_max_duration_reached}). */
    public long closedMaxDurationTotal() {
        return closedMaxDuration.sum();
    }

    /**
     * Requests sent once more on a new connection because the reused keep-alive connection (or HTTP/2 connection)
     * they went on closed before any response byte ({@code upstream_rq_reused_connection_replay}, Weft's own).
     */
    public long reusedConnectionReplaysTotal() {
        return reusedConnectionReplays.sum();
    }
}
