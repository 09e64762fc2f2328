package dev.weft.controlplane.generator;

import com.google.protobuf.Message;
import com.google.protobuf.UInt32Value;
import dev.weft.controlplane.proxy.ProxyNode;
import dev.weft.controlplane.push.PushContext;
import dev.weft.controlplane.xds.XdsType;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;

import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * EDS for proxyless gRPC clients: the sidecar's assignments with a {@code load_balancing_weight} of 1 on each
 * locality, since gRPC ignores localities without a weight (A27) and Weft's one locality has none.
 */
public final class GrpcEndpointGenerator implements ResourceGenerator {
    private static final UInt32Value ONE = UInt32Value.of(1);
    private final ResourceGenerator sidecarEndpoints;

    GrpcEndpointGenerator(ResourceGenerator sidecarEndpoints) {
        this.sidecarEndpoints = sidecarEndpoints;
    }

    @Override
    public XdsType type() {
        return XdsType.ENDPOINT;
    }

    @Override
    public SortedMap<String, Message> generate(PushContext context, ProxyNode proxy) {
        SortedMap<String, Message> out = new TreeMap<>();
        for (Map.Entry<String, Message> e : sidecarEndpoints.generate(context, proxy).entrySet()) {
            ClusterLoadAssignment.Builder cla = ((ClusterLoadAssignment) e.getValue()).toBuilder();
            for (LocalityLbEndpoints.Builder locality : cla.getEndpointsBuilderList()) {
                if (!locality.hasLoadBalancingWeight()) {
                    locality.setLoadBalancingWeight(ONE);
                }
            }
            out.put(e.getKey(), cla.build());
        }
        return out;
    }
}
