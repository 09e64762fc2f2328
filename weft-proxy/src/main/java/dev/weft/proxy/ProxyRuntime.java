package dev.weft.proxy;

import dev.weft.dataplane.cluster.ClusterManager;
import dev.weft.dataplane.config.ConfigSnapshot;
import dev.weft.proxy.listener.ListenerManager;
import dev.weft.dataplane.xds.XdsClient;
import dev.weft.proxy.net.Transport;
import dev.weft.proxy.ratelimit.RateLimitBuckets;
import dev.weft.proxy.telemetry.ProxyTelemetry;
import dev.weft.proxy.tls.MeshTlsProvider;
import dev.weft.proxy.tls.MeshTlsSwitch;
import dev.weft.proxy.upstream.UpstreamPools;
import dev.weft.proxy.view.DataPlaneView;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The data path of a proxy without its config source: applies config snapshots (clusters, compiled routes,
 * listener sockets) and serves traffic. {@link Proxy} feeds it from xDS; tests may feed it directly.
 */
public final class ProxyRuntime implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ProxyRuntime.class);

    private final Transport transport;
    private final ClusterManager clusters;
    private final AtomicReference<DataPlaneView> view = new AtomicReference<>(DataPlaneView.EMPTY);
    private final ListenerManager listeners;
    private final UpstreamPools pools;
    private volatile boolean applied;
    private final MeshTlsSwitch meshTls = new MeshTlsSwitch();
    private final ProxyTelemetry telemetry;
    /** Local rate limit buckets, kept across snapshots whose limits did not change. */
    private final RateLimitBuckets rateLimitBuckets = new RateLimitBuckets();

    /** A runtime whose requests are counted under an anonymous workload (tests, embedders). */
    public ProxyRuntime(ClusterManager clusters) {
        this(clusters, ProxyTelemetry.anonymous());
    }

    public ProxyRuntime(ClusterManager clusters, ProxyTelemetry telemetry) {
        this.telemetry = telemetry;
        this.transport = Transport.sizedToCores();
        this.clusters = clusters;
        this.pools = new UpstreamPools(transport, meshTls);
        this.listeners = new ListenerManager(transport, view::get, pools, meshTls);
    }

    /**
     * Applies a snapshot: clusters first (so new routes find their clusters), then the routing view swap, then the
     * listener sockets. Requests in flight finish on the view they started with.
     */
    public synchronized void apply(ConfigSnapshot snapshot) {
        try {
            clusters.update(snapshot);
            view.set(DataPlaneView.compile(snapshot, clusters, telemetry, rateLimitBuckets));
            listeners.reconcile(snapshot.listeners());
            pools.retainClusters(clusters.all()); // removed clusters' per-loop pools go
            applied = true;
        } catch (RuntimeException e) {
            LOG.error("failed to apply config snapshot {}", snapshot.versions(), e);
        }
    }

    /** True once a snapshot is applied and every listener it has is bound. */
    public boolean isServing() {
        return applied && listeners.bindErrors().isEmpty()
                && listeners.boundListeners().size() == view.get().snapshot().listeners().size();
    }

    public DataPlaneView view() {
        return view.get();
    }

    /** Gives listeners and upstream pools this proxy's workload certificate for mesh mTLS. */
    public void useMeshTls(MeshTlsProvider provider) {
        meshTls.use(provider);
    }

    /** The per-event-loop upstream connection pools. */
    public UpstreamPools upstreamPools() {
        return pools;
    }

    public ClusterManager clusters() {
        return clusters;
    }

    public ProxyTelemetry telemetry() {
        return telemetry;
    }

    public boolean nativeTransport() {
        return transport.isNativeEpoll();
    }

    /** The proxy's event loops and buffer pool, for the xDS client's channel (no threads or pool of gRPC's own). */
    public XdsClient.ChannelNetwork xdsNetwork() {
        return new XdsClient.ChannelNetwork(transport.workers(), transport.socketChannelType(), transport.allocator());
    }

    /** The port a listener is bound on, or -1. */
    public int listenerPort(String name) {
        return listeners.boundPort(name);
    }

    public List<String> boundListeners() {
        return listeners.boundListeners();
    }

    public Map<String, String> listenerErrors() {
        return listeners.bindErrors();
    }

    @Override
    public void close() {
        listeners.close();
        transport.close();
        telemetry.close();
    }
}
