package dev.weft.dataplane.cluster;

import dev.weft.dataplane.config.Endpoint;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The live state of one endpoint of a cluster. The cluster manager keeps the same instance across endpoint updates
 * (keyed by address) so counters survive config pushes. Later issues add outlier-detection state here.
 */
public final class UpstreamHost {
    private final String address;
    private volatile Endpoint endpoint;
    private final AtomicInteger activeRequests = new AtomicInteger();
    private final dev.weft.dataplane.outlier.OutlierState outlier = new dev.weft.dataplane.outlier.OutlierState();
    /** When this host joined its cluster: slow start ramps its weight up from here. */
    private final long addedAtNanos;

    public UpstreamHost(Endpoint endpoint) {
        this(endpoint, System.nanoTime());
    }

    /** A host that joined its cluster at {@code addedAtNanos} ({@link System#nanoTime()}), for slow start. */
    UpstreamHost(Endpoint endpoint, long addedAtNanos) {
        this.endpoint = endpoint;
        this.address = endpoint.authority();
        this.addedAtNanos = addedAtNanos;
    }

    public Endpoint endpoint() {
        return endpoint;
    }

    /** Replaces weight/labels/health from a newer ClusterLoadAssignment for the same address. */
    public void update(Endpoint newer) {
        this.endpoint = newer;
    }

    /** host:port, stable for the life of this object. */
    public String address() {
        return address;
    }

    /** Outlier-detection counters and ejection; kept with the host across config updates. */
    public dev.weft.dataplane.outlier.OutlierState outlier() {
        return outlier;
    }

    /** Where this host's slow start counts from: when it joined the cluster, or came back from an ejection. */
    public long slowStartOriginNanos() {
        long returned = outlier.returnedAtNanos();
        return returned != 0 && returned - addedAtNanos > 0 ? returned : addedAtNanos;
    }

    public int activeRequests() {
        return activeRequests.get();
    }

    public void onRequestStart() {
        activeRequests.incrementAndGet();
    }

    public void onRequestEnd() {
        activeRequests.decrementAndGet();
    }

    @Override
    public String toString() {
        return address;
    }
}
