package dev.weft.proxy.upstream;

import dev.weft.dataplane.pool.ClusterConnections;
import dev.weft.proxy.h2.H2UpstreamConnection;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A request waiting in its cluster's pending queue because {@code max_connections} connections are open. It is
 * served by whichever comes first: a connection (or HTTP/2 stream) of its own event loop and endpoint becoming free,
 * or a slot freed anywhere, with which it opens a connection of its own. Claimed exactly once (served, granted a slot
 * or cancelled), through the atomic flag it extends.
 */
public final class PendingAcquire extends AtomicBoolean implements ClusterConnections.PendingRequest {
    private final UpstreamConnectionPool owner;
    final UpstreamConnectionPool.Request request;
    private boolean cancelled; // on the owner's loop

    PendingAcquire(UpstreamConnectionPool owner, UpstreamConnectionPool.Request request) {
        this.owner = owner;
        this.request = request;
    }

    @Override
    public boolean claim() {
        return compareAndSet(false, true);
    }

    @Override
    public boolean canUse(Object endpointPool) {
        if (request.dedicated()) {
            return false; // an upgrade waits for a slot of its own, never for a pooled connection
        }
        return request.http2() ? endpointPool == request.pool().http2Key : endpointPool == request.pool();
    }

    @Override
    public void onSlot() {
        owner.loop().execute(() -> {
            if (cancelled) {
                request.pool().state().release();
            } else {
                request.pool().state().openedWithGrantedSlot();
                owner.open(request);
            }
        });
    }

    /** A free HTTP/1.1 connection of this request's loop and endpoint (called on that loop). */
    void serve(UpstreamConnection connection) {
        connection.attach(request.listener());
        request.listener().onConnected(connection);
    }

    /** Room for a stream on an HTTP/2 connection of this request's loop and endpoint (called on that loop). */
    void serve(H2UpstreamConnection connection) {
        owner.openStreamOn(connection, request);
    }

    /** The request gave up waiting (its timeout, or the client left); call on the request's loop. */
    public void cancel() {
        cancelled = true;
        request.pool().state().cancel(this);
    }
}
