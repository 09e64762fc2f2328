package dev.weft.proxy.upstream;

import dev.weft.dataplane.cluster.Cluster;
import dev.weft.dataplane.cluster.UpstreamHost;
import dev.weft.dataplane.pool.ClusterConnections;
import dev.weft.dataplane.tls.UpstreamTls;
import dev.weft.proxy.net.Transport;
import dev.weft.proxy.tls.MeshTlsProvider;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.FastThreadLocal;
import java.util.Collection;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The connection pool of each event loop, created on first use from that loop. When clusters go away with a config
 * update each loop drops their pools on its own thread ({@link #retainClusters}), so requests never take a lock.
 */
public final class UpstreamPools {
    private final Transport transport;
    private final FastThreadLocal<UpstreamConnectionPool> perLoop = new FastThreadLocal<>();
    /** Every loop's pool, for config updates (added once per loop, never on the request path). */
    private final Set<UpstreamConnectionPool> all = ConcurrentHashMap.newKeySet();

    private final MeshTlsProvider meshTls;

    public UpstreamPools(Transport transport) {
        this(transport, MeshTlsProvider.NONE);
    }

    /** {@code meshTls}: the workload certificate for clusters that ask for mesh mTLS. */
    public UpstreamPools(Transport transport, MeshTlsProvider meshTls) {
        this.transport = transport;
        this.meshTls = meshTls;
    }

    /** The pool of {@code loop}; must be called from that loop. */
    public UpstreamConnectionPool of(EventLoop loop) {
        UpstreamConnectionPool pool = perLoop.get();
        if (pool == null) {
            pool = new UpstreamConnectionPool(loop, transport, meshTls);
            perLoop.set(pool);
            all.add(pool);
        }
        return pool;
    }

    /**
     * After a config update: every loop forgets the pools of clusters not in {@code live}, of endpoints they no longer
     * have and of TLS rules they no longer use (closing idle connections and draining busy ones), each on its own
     * thread. Without this, endpoint churn (pods coming and going) would leave pools and connections behind.
     */
    public void retainClusters(Collection<Cluster> live) {
        Map<ClusterConnections, LiveCluster> keep = new IdentityHashMap<>();
        for (Cluster c : live) {
            Set<String> addresses = new HashSet<>();
            for (UpstreamHost host : c.hosts()) {
                addresses.add(host.address());
            }
            keep.put(c.connections(), new LiveCluster(c.config().tls(), Set.copyOf(addresses)));
        }
        for (UpstreamConnectionPool pool : all) {
            pool.loop().execute(() -> pool.retainClusters(keep));
        }
    }

    /** What pools a live cluster may keep: those of its current TLS rule (null: plaintext) and endpoint addresses. */
    record LiveCluster(UpstreamTls tls, Set<String> addresses) {}

    /** How many clusters have pools on some loop (asks each loop; for tests and diagnostics, never per request). */
    public int pooledClusters() throws InterruptedException, ExecutionException, TimeoutException {
        Set<ClusterConnections> seen = ConcurrentHashMap.newKeySet();
        for (UpstreamConnectionPool pool : all) {
            seen.addAll(pool.loop().submit(pool::pooledClusters).get(10, TimeUnit.SECONDS));
        }
        return seen.size();
    }
}
