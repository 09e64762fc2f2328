package dev.weft.controlplane.proxy;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.Node;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Who a connected proxy is, parsed once from its xDS {@code Node} (keys in docs/xds-conventions.md).
 *
 * @param id the node id ({@code sidecar~addr~svc-port.ns})
 * @param role {@code sidecar} or {@code proxyless} (a gRPC xDS client, see {@link #PROXYLESS}); later {@code gateway}
 * @param service the service name this workload serves (short name)
 * @param namespace workload namespace
 * @param serviceAccount service account name
 * @param labels workload labels (sorted)
 * @param address where peers reach the inbound port ({@code INSTANCE_IPS}, first entry)
 * @param appPort port of the app on 127.0.0.1, 0 when the proxy fronts no app
 * @param appProtocol protocol of the app port ({@code http})
 * @param servicePort port number the service is known by
 * @param inboundPort the proxy's inbound listener port, 0 when none
 * @param outboundPort the proxy's outbound (HTTP proxy) listener port, 0 when none
 * @param upstreams the proxy's {@code --upstream} bindings
 */
public record ProxyNode(String id, String role, String service, String namespace, String serviceAccount,
                        Map<String, String> labels, String address, int appPort, String appProtocol, int servicePort,
                        int inboundPort, int outboundPort, List<UpstreamBinding> upstreams) {

    public static final String DOMAIN_SUFFIX = "svc.cluster.local";
    public static final String SIDECAR = "sidecar";
    /**
     * A proxyless gRPC client ({@code xds:///} targets): metadata {@code WEFT_ROLE: proxyless}, or Istio's
     * {@code GENERATOR: grpc} when {@code WEFT_ROLE} is absent. It gets API listeners (docs/xds-conventions.md).
     */
    public static final String PROXYLESS = "proxyless";

    public ProxyNode {
        labels = Map.copyOf(new TreeMap<>(labels));
        upstreams = List.copyOf(upstreams);
    }

    /** Fully qualified host name of the service this proxy serves. */
    public String serviceHost() {
        return service + "." + namespace + "." + DOMAIN_SUFFIX;
    }

    public boolean proxyless() {
        return PROXYLESS.equals(role);
    }

    /** Whether this proxy fronts an app that peers can reach, i.e. it is a service endpoint. */
    public boolean servesInbound() {
        return inboundPort > 0 && appPort > 0 && !address.isEmpty() && !service.isEmpty();
    }

    public static ProxyNode fromNode(Node node) throws InvalidNodeException {
        if (node.getId().isEmpty()) {
            throw new InvalidNodeException("node.id is empty");
        }
        Struct md = node.getMetadata();
        String service = string(md, "WEFT_SERVICE", node.getCluster());
        String namespace = string(md, "NAMESPACE", "default");
        if (namespace.isEmpty()) {
            namespace = "default";
        }
        Map<String, String> labels = new TreeMap<>();
        Value labelValue = md.getFieldsMap().get("LABELS");
        if (labelValue != null) {
            if (!labelValue.hasStructValue()) {
                throw new InvalidNodeException("node.metadata.LABELS must be a Struct of string values");
            }
            for (var e : labelValue.getStructValue().getFieldsMap().entrySet()) {
                labels.put(e.getKey(), scalar("LABELS." + e.getKey(), e.getValue()));
            }
        }
        String address = string(md, "INSTANCE_IPS", "");
        int comma = address.indexOf(',');
        if (comma >= 0) {
            address = address.substring(0, comma);
        }
        address = address.trim();
        int appPort = port(md, "WEFT_APP_PORT", 0);
        int servicePort = port(md, "WEFT_SERVICE_PORT", appPort);
        List<UpstreamBinding> upstreams = new ArrayList<>();
        Value ups = md.getFieldsMap().get("WEFT_UPSTREAMS");
        if (ups != null) {
            if (!ups.hasListValue()) {
                throw new InvalidNodeException("node.metadata.WEFT_UPSTREAMS must be a list of strings");
            }
            for (Value v : ups.getListValue().getValuesList()) {
                upstreams.add(UpstreamBinding.parse(scalar("WEFT_UPSTREAMS[]", v)));
            }
        }
        String role = string(md, "WEFT_ROLE", "grpc".equals(string(md, "GENERATOR", "")) ? PROXYLESS : SIDECAR);
        return new ProxyNode(node.getId(), role, service, namespace,
                string(md, "SERVICE_ACCOUNT", "default"), labels, address, appPort,
                string(md, "WEFT_APP_PROTOCOL", "http"), servicePort, port(md, "WEFT_INBOUND_PORT", 0),
                port(md, "WEFT_OUTBOUND_PORT", 0), upstreams);
    }

    private static String string(Struct md, String key, String fallback) throws InvalidNodeException {
        Value v = md.getFieldsMap().get(key);
        return v == null ? fallback : scalar(key, v);
    }

    private static int port(Struct md, String key, int fallback) throws InvalidNodeException {
        Value v = md.getFieldsMap().get(key);
        if (v == null) {
            return fallback;
        }
        return parsePort("node.metadata." + key, scalar(key, v));
    }

    /** Metadata is documented as strings, but a client that sends numbers or booleans is understood too. */
    private static String scalar(String key, Value v) throws InvalidNodeException {
        return switch (v.getKindCase()) {
            case STRING_VALUE -> v.getStringValue();
            case NUMBER_VALUE -> {
                double d = v.getNumberValue();
                yield d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
            }
            case BOOL_VALUE -> Boolean.toString(v.getBoolValue());
            default -> throw new InvalidNodeException("node.metadata." + key + " must be a string, got " + v.getKindCase());
        };
    }

    static int parsePort(String what, String text) throws InvalidNodeException {
        try {
            int p = Integer.parseInt(text.trim());
            if (p < 0 || p > 65535) {
                throw new InvalidNodeException(what + " '" + text + "' is not a port number (0-65535)");
            }
            return p;
        } catch (NumberFormatException e) {
            throw new InvalidNodeException(what + " '" + text + "' is not a port number");
        }
    }
}
