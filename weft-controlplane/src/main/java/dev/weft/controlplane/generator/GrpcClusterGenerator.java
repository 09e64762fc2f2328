package dev.weft.controlplane.generator;

import com.google.protobuf.Message;
import dev.weft.controlplane.proxy.ProxyNode;
import dev.weft.controlplane.push.PushContext;
import dev.weft.controlplane.xds.XdsType;
import io.envoyproxy.envoy.config.cluster.v3.CircuitBreakers;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.RoutingPriority;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;

import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * CDS for proxyless gRPC clients: the sidecar's clusters (same names, same DestinationRule translation) reduced to
 * what a gRPC client applies (A27, A32, A42, A48), so nothing it would NACK or silently ignore is sent:
 * <ul>
 *   <li>{@code EDS} clusters keep {@code eds_cluster_config}; DNS services with exactly one address become
 *       {@code LOGICAL_DNS} with that one endpoint (gRPC has no {@code STRICT_DNS}); other DNS services are left
 *       out.</li>
 *   <li>{@code lb_policy}: ROUND_ROBIN, LEAST_REQUEST and RING_HASH (with {@code ring_hash_lb_config}) as they are;
 *       MAGLEV becomes RING_HASH (gRPC has no Maglev; both hash consistently) and RANDOM becomes ROUND_ROBIN.</li>
 *   <li>{@code circuit_breakers}: the DEFAULT threshold's {@code max_requests} only.</li>
 *   <li>Clusters with a {@code transport_socket} (TLS origination from files) are left out: the client cannot do
 *       that TLS, and sending it plaintext would be wrong. Outlier detection, connection pool settings, slow start
 *       and protocol options are left out (gRPC speaks HTTP/2 itself and implements only success-rate and
 *       failure-percentage outlier detection, which Istio never configures).</li>
 * </ul>
 */
public final class GrpcClusterGenerator implements ResourceGenerator {
    private final ResourceGenerator sidecarClusters;

    GrpcClusterGenerator(ResourceGenerator sidecarClusters) {
        this.sidecarClusters = sidecarClusters;
    }

    @Override
    public XdsType type() {
        return XdsType.CLUSTER;
    }

    @Override
    public SortedMap<String, Message> generate(PushContext context, ProxyNode proxy) {
        SortedMap<String, Message> out = new TreeMap<>();
        for (Map.Entry<String, Message> e : sidecarClusters.generate(context, proxy).entrySet()) {
            Cluster adapted = adapt((Cluster) e.getValue());
            if (adapted != null) {
                out.put(e.getKey(), adapted);
            }
        }
        return out;
    }

    /** The gRPC form of a sidecar cluster, or null when a gRPC client cannot use it. */
    static Cluster adapt(Cluster c) {
        if (c.hasTransportSocket()) {
            return null;
        }
        Cluster.Builder b = Cluster.newBuilder().setName(c.getName());
        switch (c.getType()) {
            case EDS -> b.setType(Cluster.DiscoveryType.EDS).setEdsClusterConfig(c.getEdsClusterConfig());
            case STRICT_DNS, LOGICAL_DNS -> {
                ClusterLoadAssignment cla = c.getLoadAssignment();
                if (cla.getEndpointsCount() != 1 || cla.getEndpoints(0).getLbEndpointsCount() != 1) {
                    return null;
                }
                b.setType(Cluster.DiscoveryType.LOGICAL_DNS).setLoadAssignment(cla);
            }
            default -> {
                return null; // STATIC: a sidecar's own inbound cluster, never a gRPC target
            }
        }
        switch (c.getLbPolicy()) {
            case RING_HASH -> b.setLbPolicy(Cluster.LbPolicy.RING_HASH).setRingHashLbConfig(c.getRingHashLbConfig());
            case MAGLEV -> b.setLbPolicy(Cluster.LbPolicy.RING_HASH).setRingHashLbConfig(Cluster.RingHashLbConfig
                    .newBuilder().setMinimumRingSize(com.google.protobuf.UInt64Value.of(
                            ClusterGenerator.DEFAULT_MINIMUM_RING_SIZE)));
            case LEAST_REQUEST -> b.setLbPolicy(Cluster.LbPolicy.LEAST_REQUEST);
            default -> b.setLbPolicy(Cluster.LbPolicy.ROUND_ROBIN);
        }
        for (CircuitBreakers.Thresholds t : c.getCircuitBreakers().getThresholdsList()) {
            if (t.getPriority() == RoutingPriority.DEFAULT && t.hasMaxRequests()) {
                b.setCircuitBreakers(CircuitBreakers.newBuilder().addThresholds(CircuitBreakers.Thresholds
                        .newBuilder().setMaxRequests(t.getMaxRequests())));
            }
        }
        return b.build();
    }
}
