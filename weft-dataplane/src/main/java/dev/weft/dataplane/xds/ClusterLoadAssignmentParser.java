package dev.weft.dataplane.xds;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import dev.weft.dataplane.telemetry.StructWire;
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
        return parse(cla, reject, "", false, cla.getClusterName(), weftMetadata(cla));
    }

    /** As {@link #parse(ClusterLoadAssignment)}, with the endpoints' metadata read from the wire by the decoder. */
    static EndpointSet parse(ClusterLoadAssignment cla, List<Map<String, Object>> weftMetadata)
            throws ResourceRejectedException {
        Rejector reject = new Rejector("ClusterLoadAssignment", cla.getClusterName());
        if (cla.getClusterName().isEmpty()) {
            throw reject.at("cluster_name", "missing cluster name");
        }
        return parse(cla, reject, "", false, cla.getClusterName(), weftMetadata);
    }

    /**
     * The {@code filter_metadata["weft"]} of each endpoint in order ({@code endpoints[*].lb_endpoints[*]}), null for
     * none, from the generated messages (the decoder reads it from the wire instead: {@link #metadataFromWire}).
     */
    static List<Map<String, Object>> weftMetadata(ClusterLoadAssignment cla) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (LocalityLbEndpoints locality : cla.getEndpointsList()) {
            for (LbEndpoint lbe : locality.getLbEndpointsList()) {
                Struct weft = lbe.hasMetadata() ? lbe.getMetadata().getFilterMetadataMap().get(WEFT_METADATA) : null;
                try {
                    out.add(weft == null ? null : StructWire.decode(weft.toByteArray()));
                } catch (InvalidProtocolBufferException e) {
                    throw new IllegalStateException("protobuf wrote a Struct it cannot read", e);
                }
            }
        }
        return out;
    }

    /**
     * {@code cla} (serialized) without its endpoints' metadata, which is read by hand instead: the generated
     * {@code Metadata} keeps {@code filter_metadata} in a map field, and parsing one builds the descriptors of
     * base.proto and the files it imports (see {@link WireFields}).
     *
     * @param path where the endpoints are: {@code endpoints, lb_endpoints} in a ClusterLoadAssignment, the same after
     *             {@code load_assignment} in a Cluster
     */
    static WireFields.Extracted metadataFromWire(com.google.protobuf.ByteString message, int... path)
            throws InvalidProtocolBufferException {
        return WireFields.extract(message, LbEndpoint.METADATA_FIELD_NUMBER, path);
    }

    /** Each endpoint's {@code filter_metadata["weft"]} from {@link #metadataFromWire}'s payloads. */
    static List<Map<String, Object>> weftMetadata(List<com.google.protobuf.ByteString> metadata)
            throws InvalidProtocolBufferException {
        List<Map<String, Object>> out = new ArrayList<>(metadata.size());
        for (var each : metadata) {
            out.add(each == null ? null : WireFields.filterMetadata(each).get(WEFT_METADATA));
        }
        return out;
    }

    /** @param weftMetadata each endpoint's {@code filter_metadata["weft"]} in order, null for none */
    static EndpointSet parse(ClusterLoadAssignment cla, Rejector reject, String base, boolean hostNamesAllowed,
                             String clusterName, List<Map<String, Object>> weftMetadata)
            throws ResourceRejectedException {
        int index = 0;
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
                Map<String, Object> weft = index < weftMetadata.size() ? weftMetadata.get(index) : null;
                index++;
                Map<String, String> labels = weft == null ? Map.of()
                        : labels(weft, reject, ePath + ".metadata.filter_metadata.weft.labels");
                boolean sidecar = weft != null && Boolean.TRUE.equals(weft.get("sidecar"));
                Endpoint endpoint = new Endpoint(host, port, weight, healthy, sidecar, labels);
                if (!seen.add(endpoint.authority())) {
                    throw reject.at(ePath, "duplicate endpoint " + endpoint.authority());
                }
                endpoints.add(endpoint);
            }
        }
        return new EndpointSet(clusterName, endpoints);
    }

    private static Map<String, String> labels(Map<String, Object> weft, Rejector reject, String path)
            throws ResourceRejectedException {
        if (!weft.containsKey("labels")) {
            return Map.of();
        }
        if (!(weft.get("labels") instanceof Map<?, ?> values)) {
            throw reject.at(path, "must be a struct of strings");
        }
        Map<String, String> labels = new LinkedHashMap<>();
        for (var entry : values.entrySet()) {
            if (!(entry.getValue() instanceof String value)) {
                throw reject.at(path + "." + entry.getKey(), "label values must be strings");
            }
            labels.put((String) entry.getKey(), value);
        }
        return labels;
    }
}
