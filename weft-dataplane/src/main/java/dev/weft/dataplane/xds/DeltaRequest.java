package dev.weft.dataplane.xds;

import com.google.protobuf.CodedOutputStream;
import dev.weft.dataplane.wire.ProtoBytes;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * One delta xDS request ({@code envoy.service.discovery.v3.DeltaDiscoveryRequest}) as the proxy sends it, written on
 * the wire by hand. The generated message keeps {@code initial_resource_versions} in a {@code map<>} field, and
 * protobuf builds the descriptors of discovery.proto and of every file it imports (base.proto and some twenty more)
 * whenever such a message is serialized, even with the map empty: with delta the default, that was the one thing
 * left that loaded protobuf's descriptor machinery into every sidecar.
 *
 * @param node          the serialized {@code config.core.v3.Node} ({@link NodeIdentity#toNodeBytes}), or null
 * @param errorMessage  a NACK's reason ({@code error_detail}, code INVALID_ARGUMENT), or null for an ACK or request
 */
record DeltaRequest(byte[] node, String typeUrl, Collection<String> subscribe, Collection<String> unsubscribe,
                    Map<String, String> initialVersions, String responseNonce, String errorMessage) {
    // envoy/service/discovery/v3/discovery.proto, DeltaDiscoveryRequest
    private static final int NODE = 1;
    private static final int TYPE_URL = 2;
    private static final int RESOURCE_NAMES_SUBSCRIBE = 3;
    private static final int RESOURCE_NAMES_UNSUBSCRIBE = 4;
    private static final int INITIAL_RESOURCE_VERSIONS = 5;
    private static final int RESPONSE_NONCE = 6;
    private static final int ERROR_DETAIL = 7;
    // a map entry message; google/rpc/status.proto
    private static final int ENTRY_KEY = 1;
    private static final int ENTRY_VALUE = 2;
    private static final int STATUS_CODE = 1;
    private static final int STATUS_MESSAGE = 2;
    private static final int INVALID_ARGUMENT = 3;

    /** The ADS delta method with this request type; responses are parsed by the generated parser as before. */
    static final MethodDescriptor<DeltaRequest, DeltaDiscoveryResponse> METHOD;

    static {
        var generated = AggregatedDiscoveryServiceGrpc.getDeltaAggregatedResourcesMethod();
        METHOD = generated.toBuilder(new Marshaller(), generated.getResponseMarshaller()).build();
    }

    /** A stream's first request for a type: the names to watch and the versions of the resources still held. */
    static DeltaRequest subscribe(byte[] node, String typeUrl, Collection<String> names, Map<String, String> versions) {
        return new DeltaRequest(node, typeUrl, names, List.of(), versions, "", null);
    }

    /** Names to add and drop on a running stream. */
    static DeltaRequest change(String typeUrl, Collection<String> subscribe, Collection<String> unsubscribe) {
        return new DeltaRequest(null, typeUrl, subscribe, unsubscribe, Map.of(), "", null);
    }

    static DeltaRequest ack(String typeUrl, String nonce) {
        return new DeltaRequest(null, typeUrl, List.of(), List.of(), Map.of(), nonce, null);
    }

    static DeltaRequest nack(String typeUrl, String nonce, String reason) {
        return new DeltaRequest(null, typeUrl, List.of(), List.of(), Map.of(), nonce, reason);
    }

    /** The request's wire bytes; proto3 defaults (empty strings and lists) are left out, as protobuf does. */
    byte[] toByteArray() {
        return ProtoBytes.of(out -> {
            if (node != null) {
                out.writeByteArray(NODE, node);
            }
            writeIfSet(out, TYPE_URL, typeUrl);
            for (String name : subscribe) {
                out.writeString(RESOURCE_NAMES_SUBSCRIBE, name);
            }
            for (String name : unsubscribe) {
                out.writeString(RESOURCE_NAMES_UNSUBSCRIBE, name);
            }
            for (Map.Entry<String, String> e : initialVersions.entrySet()) {
                out.writeByteArray(INITIAL_RESOURCE_VERSIONS, ProtoBytes.of(entry -> {
                    writeIfSet(entry, ENTRY_KEY, e.getKey());
                    writeIfSet(entry, ENTRY_VALUE, e.getValue());
                }));
            }
            writeIfSet(out, RESPONSE_NONCE, responseNonce);
            if (errorMessage != null) {
                out.writeByteArray(ERROR_DETAIL, ProtoBytes.of(status -> {
                    status.writeInt32(STATUS_CODE, INVALID_ARGUMENT);
                    writeIfSet(status, STATUS_MESSAGE, errorMessage);
                }));
            }
        });
    }

    private static void writeIfSet(CodedOutputStream out, int field, String value) throws IOException {
        if (value != null && !value.isEmpty()) {
            out.writeString(field, value);
        }
    }

    /**
     * The request a control plane would read from {@code bytes}. The proxy only sends requests; this is the
     * marshaller's other half (a server on {@link #METHOD}), parsed by the generated parser since descriptors do not
     * matter there.
     */
    static DeltaRequest parseFrom(InputStream bytes) throws IOException {
        DeltaDiscoveryRequest r = DeltaDiscoveryRequest.parseFrom(bytes);
        return new DeltaRequest(r.hasNode() ? r.getNode().toByteArray() : null, r.getTypeUrl(),
                List.copyOf(r.getResourceNamesSubscribeList()), List.copyOf(r.getResourceNamesUnsubscribeList()),
                Map.copyOf(r.getInitialResourceVersionsMap()), r.getResponseNonce(),
                r.hasErrorDetail() ? r.getErrorDetail().getMessage() : null);
    }

    private static final class Marshaller implements MethodDescriptor.Marshaller<DeltaRequest> {
        @Override
        public InputStream stream(DeltaRequest request) {
            return new Serialized(request.toByteArray());
        }

        @Override
        public DeltaRequest parse(InputStream stream) {
            try {
                return parseFrom(stream);
            } catch (IOException e) {
                throw io.grpc.Status.INTERNAL.withDescription("invalid DeltaDiscoveryRequest: " + e.getMessage())
                        .withCause(e).asRuntimeException();
            }
        }
    }

    /** Lets gRPC frame the message without copying it into a buffer first to learn its length. */
    private static final class Serialized extends ByteArrayInputStream implements KnownLength {
        Serialized(byte[] bytes) {
            super(bytes);
        }
    }
}
