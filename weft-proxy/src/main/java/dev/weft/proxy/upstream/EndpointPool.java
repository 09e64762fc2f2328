package dev.weft.proxy.upstream;

import dev.weft.dataplane.pool.ClusterConnections;
import dev.weft.dataplane.pool.ConnectionPoolConfig;
import dev.weft.proxy.h2.H2UpstreamConnection;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * One event loop's connections to one endpoint of one cluster (so no locking): idle HTTP/1.1 keep-alive connections,
 * and the multiplexed HTTP/2 connections, more than one when the server limits concurrent streams. Every connection
 * holds a slot of the cluster's {@link ClusterConnections} budget.
 */
final class EndpointPool {
    private final String address;
    private final ClusterConnections state;
    private final ArrayDeque<UpstreamConnection> idle = new ArrayDeque<>();
    private final List<H2UpstreamConnection> h2 = new ArrayList<>(2);
    private final int maxIdle;
    /** What requests waiting for an HTTP/2 stream of this endpoint match on (HTTP/1.1 waiters match the pool). */
    final Object http2Key = new Object();
    /** The cluster's connection settings as of the latest request (a config push changes them). */
    private ConnectionPoolConfig settings = ConnectionPoolConfig.DEFAULT;
    /** The cluster is gone: no connection comes back here. */
    private boolean retired;

    EndpointPool(String address, ClusterConnections state, int maxIdle) {
        this.address = address;
        this.state = state;
        this.maxIdle = maxIdle;
    }

    String address() {
        return address;
    }

    ClusterConnections state() {
        return state;
    }

    ConnectionPoolConfig settings() {
        return settings;
    }

    void settings(ConnectionPoolConfig settings) {
        this.settings = settings;
    }

    /** The most recently used idle connection that is still open, or null. */
    UpstreamConnection poll() {
        UpstreamConnection c;
        while ((c = idle.pollLast()) != null) {
            if (c.channel().isActive() && c.takeFromIdle()) {
                if (state.limited()) {
                    state.notIdle(c);
                }
                return c;
            }
        }
        return null;
    }

    /**
     * A connection whose request is done and could carry another: to a request waiting for this endpoint, else
     * closed when a request waits elsewhere (its slot moves there) or when it reached its request or age limit,
     * else idle.
     */
    void offer(UpstreamConnection connection) {
        if (retired) {
            connection.channel().close();
            return;
        }
        int maxRequests = settings.maxRequestsPerConnection();
        if (maxRequests > 0 && connection.requestCount() >= maxRequests) {
            state.closedMaxRequests();
            connection.channel().close();
            return;
        }
        if (connection.expired()) {
            state.closedMaxDuration();
            connection.channel().close();
            return;
        }
        if (state.hasWaiters()) {
            ClusterConnections.PendingRequest waiter = state.takeFor(this);
            if (waiter != null) {
                ((PendingAcquire) waiter).serve(connection);
            } else {
                connection.channel().close();
            }
            return;
        }
        if (idle.size() >= maxIdle) {
            connection.channel().close();
            return;
        }
        idle.addLast(connection);
        connection.markIdle();
        if (state.limited()) {
            state.idle(connection);
        }
    }

    /** Its cluster was removed: idle connections close, HTTP/2 ones drain, busy ones close when done. */
    void retire() {
        retired = true;
        UpstreamConnection c;
        while ((c = idle.pollLast()) != null) {
            if (c.takeFromIdle()) { // not reclaimed by another loop meanwhile
                if (state.limited()) {
                    state.notIdle(c);
                }
                c.channel().close();
            }
        }
        for (H2UpstreamConnection connection : List.copyOf(h2)) {
            connection.drain();
        }
        h2.clear();
    }

    void remove(UpstreamConnection connection) {
        idle.remove(connection);
        if (state.limited()) {
            state.notIdle(connection);
        }
    }

    /** An HTTP/2 connection that can take another stream now, or null. */
    H2UpstreamConnection http2WithCapacity() {
        for (int i = 0; i < h2.size(); i++) {
            H2UpstreamConnection c = h2.get(i);
            if (c.hasCapacity()) {
                return c;
            }
        }
        return null;
    }

    void addHttp2(H2UpstreamConnection connection) {
        h2.add(connection);
    }

    void removeHttp2(H2UpstreamConnection connection) {
        h2.remove(connection);
    }

    /** A stream of {@code connection} ended: requests waiting for this endpoint get its free capacity. */
    void onStreamCapacity(H2UpstreamConnection connection) {
        while (state.hasWaiters() && connection.hasCapacity()) {
            ClusterConnections.PendingRequest waiter = state.takeFor(http2Key);
            if (waiter == null) {
                return;
            }
            ((PendingAcquire) waiter).serve(connection);
        }
    }
}
