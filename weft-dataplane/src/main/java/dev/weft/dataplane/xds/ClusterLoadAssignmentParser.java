package dev.weft.dataplane.xds;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.weft.dataplane.config.Endpoint;
import dev.weft.dataplane.config.EndpointSet;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** ClusterLoadAssignment (EDS, or inline in a STATIC/DNS cluster) → {@link EndpointSet}. */
public final class ClusterLoadAssignmentParser {
    /** filter_metadata namespace where Weft's control plane puts endpoint labels and the sidecar flag. */
    public static final String WEFT_METADATA = "weft";

    private ClusterLoadAssignmentParser() {}

    public static EndpointSet parse(ClusterLoadAssignment cla) throws ResourceRejectedException {
        Rejector reject = new Rejector("ClusterLoadAssignment", cla.getClusterName());
        if (cla.getClusterName().isEmpty()) {
            throw reject.at("cluster_name", "missing cluster name");
        }
        return parse(cla, reject, "", false, cla.getClusterName());
    }

    static EndpointSet parse(ClusterLoadAssignment cla, Rejector reject, String base, boolean hostNamesAllowed,
                             String clusterName) throws ResourceRejectedException {
        String prefix = base.isEmpty() ? "" : base + ".";
        List<Endpoint> endpoints = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (int l = 0; l < cla.getEndpointsCount(); l++) {
            LocalityLbEndpoints locality = cla.getEndpoints(l);
            String lPath = prefix + "endpoints[" + l + "]";
            if (locality.getPriority() != 0) {
                throw reject.at(lPath + ".priority", "priorities other than 0 are not supported yet");
            }
            for (int e = 0; e < locality.getLbEndpointsCount(); e++) {
                LbEndpoint lbe = locality.getLbEndpoints(e);
                String ePath = lPath + ".lb_endpoints[" + e + "]";
                if (!lbe.hasEndpoint()) {
                    throw reject.at(ePath + ".endpoint", "missing endpoint");
                }
                if (!lbe.getEndpoint().getAddress().hasSocketAddress()) {
                    throw reject.at(ePath + ".endpoint.address", "a socket_address is required");
                }
                var socket = lbe.getEndpoint().getAddress().getSocketAddress();
                String sPath = ePath + ".endpoint.address.socket_address";
                String host = hostNamesAllowed ? SocketAddresses.hostOrIp(socket, reject, sPath)
                        : SocketAddresses.ipLiteral(socket, reject, sPath);
                int port = SocketAddresses.port(socket, reject, sPath, false);
                int weight = lbe.hasLoadBalancingWeight() ? lbe.getLoadBalancingWeight().getValue() : 1;
                if (weight < 1) {
                    throw reject.at(ePath + ".load_balancing_weight", "must be at least 1, got "
                            + Integer.toUnsignedString(weight));
                }
                boolean healthy = switch (lbe.getHealthStatus()) {
                    case UNKNOWN, HEALTHY -> true;
                    case UNHEALTHY, DRAINING, TIMEOUT -> false;
                    default -> throw reject.at(ePath + ".health_status", "unsupported health status "
                            + lbe.getHealthStatus());
                };
                Struct weft = lbe.getMetadata().getFilterMetadataOrDefault(WEFT_METADATA, Struct.getDefaultInstance());
                Map<String, String> labels = labels(weft, reject, ePath + ".metadata.filter_metadata.weft.labels");
                Value sidecarValue = weft.getFieldsOrDefault("sidecar", Value.getDefaultInstance());
                boolean sidecar = sidecarValue.getKindCase() == Value.KindCase.BOOL_VALUE && sidecarValue.getBoolValue();
                Endpoint endpoint = new Endpoint(host, port, weight, healthy, sidecar, labels);
                if (!seen.add(endpoint.authority())) {
                    throw reject.at(ePath, "duplicate endpoint " + endpoint.authority());
                }
                endpoints.add(endpoint);
            }
        }
        return new EndpointSet(clusterName, endpoints);
    }

    private static Map<String, String> labels(Struct weft, Rejector reject, String path)
            throws ResourceRejectedException {
        Value v = weft.getFieldsOrDefault("labels", null);
        if (v == null) {
            return Map.of();
        }
        if (v.getKindCase() != Value.KindCase.STRUCT_VALUE) {
            throw reject.at(path, "must be a struct of strings");
        }
        Map<String, String> labels = new LinkedHashMap<>();
        for (var entry : v.getStructValue().getFieldsMap().entrySet()) {
            if (entry.getValue().getKindCase() != Value.KindCase.STRING_VALUE) {
                throw reject.at(path + "." + entry.getKey(), "label values must be strings");
            }
            labels.put(entry.getKey(), entry.getValue().getStringValue());
        }
        return labels;
    }
}
