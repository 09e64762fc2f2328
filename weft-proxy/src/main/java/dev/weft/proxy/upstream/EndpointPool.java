package dev.weft.proxy.upstream;

import java.util.ArrayDeque;

/** Idle keep-alive connections to one endpoint, owned by one event loop (so no locking). */
final class EndpointPool {
    private final String address;
    private final ArrayDeque<UpstreamConnection> idle = new ArrayDeque<>();
    private int maxIdle;

    EndpointPool(String address, int maxIdle) {
        this.address = address;
        this.maxIdle = maxIdle;
    }

    String address() {
        return address;
    }

    /** The most recently used idle connection that is still open, or null. */
    UpstreamConnection poll() {
        UpstreamConnection c;
        while ((c = idle.pollLast()) != null) {
            if (c.channel().isActive()) {
                return c;
            }
        }
        return null;
    }

    void offer(UpstreamConnection connection) {
        if (idle.size() >= maxIdle) {
            connection.channel().close();
        } else {
            idle.addLast(connection);
        }
    }

    void remove(UpstreamConnection connection) {
        idle.remove(connection);
    }
}
