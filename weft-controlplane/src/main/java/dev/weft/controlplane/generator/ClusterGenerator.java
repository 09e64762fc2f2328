package dev.weft.controlplane.generator;

import com.google.protobuf.Message;
import com.google.protobuf.UInt64Value;
import com.google.protobuf.util.Durations;
import dev.weft.config.model.ConsistentHashLb;
import dev.weft.config.model.DestinationRule;
import dev.weft.config.model.LoadBalancerSettings;
import dev.weft.config.model.Subset;
import dev.weft.controlplane.proxy.ProxyNode;
import dev.weft.controlplane.push.PushContext;
import dev.weft.controlplane.registry.MeshService;
import dev.weft.controlplane.xds.XdsType;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;

import java.util.SortedMap;
import java.util.TreeMap;

/**
 * CDS: one {@code outbound|port||host} cluster per service port, one {@code outbound|port|subset|host} per
 * DestinationRule subset, and the proxy's own {@code inbound|appPort||} cluster pointing at its app.
 */
public final class ClusterGenerator implements ResourceGenerator {
    /** Istio's default ring size for consistent hashing. */
    static final long DEFAULT_MINIMUM_RING_SIZE = 1024;

    @Override
    public XdsType type() {
        return XdsType.CLUSTER;
    }

    @Override
    public SortedMap<String, Message> generate(PushContext context, ProxyNode proxy) {
        SortedMap<String, Message> out = new TreeMap<>();
        for (MeshService service : context.services().values()) {
            DestinationRule rule = context.destinationRule(service.host(), proxy.namespace());
            for (MeshService.Port port : service.ports()) {
                add(out, secured(outbound(context, service, port.number(), null, rule),
                        MeshTlsPolicy.outbound(context, proxy, service, port.number(), null, rule)));
                if (rule != null) {
                    for (Subset subset : rule.spec().subsets()) {
                        add(out, secured(outbound(context, service, port.number(), subset.name(), rule),
                                MeshTlsPolicy.outbound(context, proxy, service, port.number(), subset.name(), rule)));
                    }
                }
            }
        }
        if (proxy.appPort() > 0 && proxy.inboundPort() > 0) {
            add(out, inbound(proxy.appPort(), proxy.appProtocol()));
        }
        return out;
    }

    /** Mesh mTLS to the cluster's endpoints when {@code tls} is set (see {@link MeshTlsPolicy}). */
    private static Cluster secured(Cluster c, io.envoyproxy.envoy.config.core.v3.TransportSocket tls) {
        return tls == null ? c : c.toBuilder().setTransportSocket(tls).build();
    }

    private static void add(SortedMap<String, Message> out, Cluster c) {
        out.put(c.getName(), c);
    }

    private static Cluster outbound(PushContext context, MeshService service, int port, String subset,
                                    DestinationRule rule) {
        String name = ClusterNames.outbound(port, subset, service.host());
        EffectiveTrafficPolicy policy = EffectiveTrafficPolicy.resolve(rule, port, subset);
        Cluster.Builder c = Cluster.newBuilder()
                .setName(name)
                .setConnectTimeout(Durations.fromNanos(policy.connectTimeout().toNanos()));
        applyLoadBalancer(c, policy.loadBalancer());
        OutlierDetectionTranslator.apply(c, rule, port, subset);
        CircuitBreakersTranslator.apply(c, rule, port, subset);
        UpstreamProtocols.applyOutbound(c, service, port);
        ConnectionPoolTranslator.apply(c, rule, port, subset);
        if (service.resolution() == MeshService.Resolution.DNS) {
            // The data plane resolves the names; subsets still filter by the declared labels.
            c.setType(Cluster.DiscoveryType.STRICT_DNS);
            ClusterLoadAssignment cla = EndpointGenerator.assignment(context, service, port, subset, rule, name);
            c.setLoadAssignment(cla);
        } else {
            c.setType(Cluster.DiscoveryType.EDS)
                    .setEdsClusterConfig(Cluster.EdsClusterConfig.newBuilder()
                            .setServiceName(name)
                            .setEdsConfig(ads()));
        }
        return c.build();
    }

    static ConfigSource ads() {
        return ConfigSource.newBuilder()
                .setAds(AggregatedConfigSource.getDefaultInstance())
                .setResourceApiVersion(ApiVersion.V3)
                .build();
    }

    static void applyLoadBalancer(Cluster.Builder c, LoadBalancerSettings lb) {
        if (lb != null && lb.consistentHash() != null) {
            ConsistentHashLb ch = lb.consistentHash();
            if (ch.maglev() != null) {
                c.setLbPolicy(Cluster.LbPolicy.MAGLEV);
                if (ch.maglev().tableSize() != null) {
                    c.setMaglevLbConfig(Cluster.MaglevLbConfig.newBuilder()
                            .setTableSize(UInt64Value.of(ch.maglev().tableSize())));
                }
            } else {
                long min = ch.ringHash() != null && ch.ringHash().minimumRingSize() != null
                        ? ch.ringHash().minimumRingSize()
                        : ch.minimumRingSize() != null ? ch.minimumRingSize() : DEFAULT_MINIMUM_RING_SIZE;
                c.setLbPolicy(Cluster.LbPolicy.RING_HASH)
                        .setRingHashLbConfig(Cluster.RingHashLbConfig.newBuilder()
                                .setMinimumRingSize(UInt64Value.of(min)));
            }
            return;
        }
        LoadBalancerSettings.SimpleLb simple = lb == null || lb.simple() == null
                ? LoadBalancerSettings.SimpleLb.UNSPECIFIED : lb.simple();
        switch (simple) {
            case ROUND_ROBIN -> c.setLbPolicy(Cluster.LbPolicy.ROUND_ROBIN);
            case RANDOM -> c.setLbPolicy(Cluster.LbPolicy.RANDOM);
            // Istio's default (UNSPECIFIED) and LEAST_CONN both mean LEAST_REQUEST; PASSTHROUGH needs
            // original-destination clusters that Weft does not build yet, so it balances like the default.
            case UNSPECIFIED, LEAST_CONN, LEAST_REQUEST, PASSTHROUGH -> c.setLbPolicy(Cluster.LbPolicy.LEAST_REQUEST);
        }
    }

    static Cluster inbound(int appPort, String appProtocol) {
        String name = ClusterNames.inbound(appPort);
        Cluster.Builder c = Cluster.newBuilder();
        UpstreamProtocols.applyInbound(c, appProtocol);
        return c
                .setName(name)
                .setType(Cluster.DiscoveryType.STATIC)
                .setConnectTimeout(Durations.fromNanos(EffectiveTrafficPolicy.DEFAULT_CONNECT_TIMEOUT.toNanos()))
                .setLbPolicy(Cluster.LbPolicy.ROUND_ROBIN)
                .setLoadAssignment(ClusterLoadAssignment.newBuilder()
                        .setClusterName(name)
                        .addEndpoints(io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints.newBuilder()
                                .addLbEndpoints(EndpointGenerator.lbEndpoint("127.0.0.1", appPort, 1, null))))
                .build();
    }
}
