package dev.weft.dataplane.telemetry;

import com.google.protobuf.InvalidProtocolBufferException;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Istio's metadata exchange for HTTP: a sidecar sends its own workload metadata in {@code x-envoy-peer-metadata}
 * (base64 of a serialized {@code google.protobuf.Struct} with Istio's node metadata keys: {@code NAME},
 * {@code NAMESPACE}, {@code LABELS}, {@code WORKLOAD_NAME}, {@code SERVICE_ACCOUNT}) and its node id in
 * {@code x-envoy-peer-metadata-id}: the client side on the request, the server side on the response. Each side
 * reads and removes the peer's headers so applications never see them. Using Istio's encoding lets a Weft sidecar
 * and an Istio Envoy sidecar label each other's traffic.
 *
 * <p>Decoding is cached by header value (peers are few, and each always sends the same bytes), bounded so a client
 * sending random values cannot grow it.
 */
public final class PeerMetadataCodec {
    public static final String HEADER = "x-envoy-peer-metadata";
    public static final String ID_HEADER = "x-envoy-peer-metadata-id";
    static final int MAX_CACHED_PEERS = 1024;

    private final Map<String, Workload> decoded = new ConcurrentHashMap<>();

    /** The header value announcing {@code self}; computed once per proxy. */
    public static String encode(Workload self) {
        return Base64.getEncoder().encodeToString(struct(self));
    }

    /** The serialized {@code Struct} announcing {@code self}, as the TCP metadata exchange frames it. */
    public static byte[] struct(Workload self) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("NAME", self.name());
        fields.put("NAMESPACE", self.namespace());
        fields.put("WORKLOAD_NAME", self.name());
        fields.put("SERVICE_ACCOUNT", self.serviceAccount());
        fields.put("LABELS", self.labels());
        return StructWire.encode(fields, "peer metadata");
    }

    /** The workload a peer announced, or {@link Workload#UNKNOWN_WORKLOAD} when the value is missing or garbled. */
    public Workload decode(String headerValue) {
        if (headerValue == null || headerValue.isEmpty()) {
            return Workload.UNKNOWN_WORKLOAD;
        }
        Workload cached = decoded.get(headerValue);
        if (cached != null) {
            return cached;
        }
        Workload w = parse(headerValue);
        if (decoded.size() < MAX_CACHED_PEERS) {
            decoded.putIfAbsent(headerValue, w);
        }
        return w;
    }

    static Workload parse(String headerValue) {
        try {
            return parseStruct(Base64.getDecoder().decode(headerValue));
        } catch (IllegalArgumentException e) {
            return Workload.UNKNOWN_WORKLOAD;
        }
    }

    /**
     * The workload a serialized {@code Struct} announces (the TCP metadata exchange's frame body), or
     * {@link Workload#UNKNOWN_WORKLOAD} when it does not parse. Not cached: once per connection.
     */
    public static Workload parseStruct(byte[] bytes) {
        try {
            Map<String, Object> s = StructWire.decode(bytes);
            Map<String, String> labels = new LinkedHashMap<>();
            if (s.get("LABELS") instanceof Map<?, ?> labelValues) {
                labelValues.forEach((k, v) -> {
                    if (v instanceof String text) {
                        labels.put((String) k, text);
                    }
                });
            }
            String workload = text(s, "WORKLOAD_NAME");
            return Workload.fromLabels(workload != null ? workload : text(s, "NAME"), text(s, "NAMESPACE"),
                    text(s, "SERVICE_ACCOUNT"), labels);
        } catch (InvalidProtocolBufferException e) {
            return Workload.UNKNOWN_WORKLOAD; // not ours to reject: the request goes on, labelled unknown
        }
    }

    private static String text(Map<String, Object> s, String key) {
        return s.get(key) instanceof String text ? text : null;
    }
}
