package dev.weft.controlplane.generator;

import com.google.protobuf.Message;
import com.google.protobuf.Struct;
import com.google.protobuf.UInt32Value;
import com.google.protobuf.Value;
import dev.weft.config.model.DestinationRule;
import dev.weft.config.model.Subset;
import dev.weft.controlplane.proxy.ProxyNode;
import dev.weft.controlplane.push.PushContext;
import dev.weft.controlplane.registry.MeshService;
import dev.weft.controlplane.registry.WorkloadEndpoint;
import dev.weft.controlplane.xds.XdsType;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.HealthStatus;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;

import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * EDS: a ClusterLoadAssignment for every EDS cluster the proxy sees, its endpoints filtered by the subset's
 * labels, each carrying {@code filter_metadata["weft"] = {labels, sidecar}}.
 */
public final class EndpointGenerator implements ResourceGenerator {

    @Override
    public XdsType type() {
        return XdsType.ENDPOINT;
    }

    @Override
    public SortedMap<String, Message> generate(PushContext context, ProxyNode proxy) {
        SortedMap<String, Message> out = new TreeMap<>();
        for (MeshService service : context.services().values()) {
            if (service.resolution() != MeshService.Resolution.STATIC) {
                continue; // DNS clusters carry their endpoints inline
            }
            DestinationRule rule = context.destinationRule(service.host(), proxy.namespace());
            for (MeshService.Port port : service.ports()) {
                String name = ClusterNames.outbound(port.number(), null, service.host());
                out.put(name, assignment(context, service, port.number(), null, rule, name));
                if (rule != null) {
                    for (Subset subset : rule.spec().subsets()) {
                        String subsetName = ClusterNames.outbound(port.number(), subset.name(), service.host());
                        out.put(subsetName, assignment(context, service, port.number(), subset.name(), rule,
                                subsetName));
                    }
                }
            }
        }
        return out;
    }

    static ClusterLoadAssignment assignment(PushContext context, MeshService service, int port, String subsetName,
                                            DestinationRule rule, String clusterName) {
        Map<String, String> selector = Map.of();
        if (subsetName != null && rule != null) {
            Subset subset = rule.spec().subset(subsetName);
            if (subset != null) {
                selector = subset.labels();
            }
        }
        LocalityLbEndpoints.Builder locality = LocalityLbEndpoints.newBuilder();
        for (WorkloadEndpoint e : context.endpoints(service.host(), port)) {
            if (e.matches(selector)) {
                locality.addLbEndpoints(lbEndpoint(e.address(), e.port(), e.weight(), e));
            }
        }
        ClusterLoadAssignment.Builder cla = ClusterLoadAssignment.newBuilder().setClusterName(clusterName);
        if (locality.getLbEndpointsCount() > 0) {
            cla.addEndpoints(locality);
        }
        return cla.build();
    }

    static LbEndpoint lbEndpoint(String address, int port, int weight, WorkloadEndpoint workload) {
        LbEndpoint.Builder b = LbEndpoint.newBuilder()
                .setEndpoint(Endpoint.newBuilder().setAddress(Address.newBuilder()
                        .setSocketAddress(SocketAddress.newBuilder().setAddress(address).setPortValue(port))))
                .setHealthStatus(HealthStatus.HEALTHY)
                .setLoadBalancingWeight(UInt32Value.of(Math.max(1, weight)));
        if (workload != null) {
            Struct.Builder labels = Struct.newBuilder();
            new TreeMap<>(workload.labels()).forEach((k, v) ->
                    labels.putFields(k, Value.newBuilder().setStringValue(v).build()));
            Struct weft = Struct.newBuilder()
                    .putFields("labels", Value.newBuilder().setStructValue(labels).build())
                    .putFields("sidecar", Value.newBuilder().setBoolValue(workload.sidecar()).build())
                    .build();
            b.setMetadata(Metadata.newBuilder().putFilterMetadata("weft", weft));
        }
        return b.build();
    }
}
