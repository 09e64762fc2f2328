package dev.weft.controlplane.xds;

import com.google.protobuf.Any;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.stub.ServerCallStreamObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.EnumMap;
import java.util.Map;
import java.util.Set;

/**
 * One state-of-the-world ADS stream: every response of a type carries all of its subscribed resources, under one
 * version per type. Lifecycle, flow control and status bookkeeping live in {@link XdsStream}.
 */
final class AdsStream extends XdsStream<DiscoveryRequest, DiscoveryResponse> {
    private static final Logger log = LoggerFactory.getLogger(AdsStream.class);

    /** Per-type state of this stream; touched only on the serial executor. */
    private static final class TypeState {
        boolean subscribed;
        Set<String> names = Set.of();
        long versionCounter;
        String sentNonce;
        Map<String, Any> sent;
        long sentPushVersion; // the push context the last response was built from (for convergence time)
    }

    private final EnumMap<XdsType, TypeState> types = new EnumMap<>(XdsType.class);

    AdsStream(long streamId, XdsServer server, ServerCallStreamObserver<DiscoveryResponse> responses,
              SerialExecutor serial, PeerCredentials peer) {
        super(streamId, server, responses, serial, "sotw", peer);
        for (XdsType t : XdsType.values()) {
            types.put(t, new TypeState());
        }
    }

    @Override
    void handle(DiscoveryRequest request) {
        XdsType type = requestedType(request.hasNode(), request.getNode(), request.getTypeUrl());
        if (type == null) {
            return;
        }
        TypeState state = types.get(type);
        Set<String> names = Set.copyOf(request.getResourceNamesList());
        String nonce = request.getResponseNonce();
        if (!state.subscribed) {
            // First request for this type on this stream (a nonce from an earlier stream means nothing here).
            state.subscribed = true;
            state.names = names;
            send(type, state, true);
            return;
        }
        if (!nonce.equals(state.sentNonce)) {
            // It answers an older response, so it neither ACKs nor NACKs. A change of names still counts: the proxy
            // sent it before our latest response reached it, and this server does not wait for ACKs before sending,
            // so ignoring it could leave the subscription short until the next ACK (the xDS spec's note on stale
            // nonces). At start-up that is an EDS request sent while the first EDS response is on its way.
            log.debug("{} {} request with stale nonce '{}': not an ACK", node.id(), type.shortName(), nonce);
        } else if (request.hasErrorDetail()) {
            recordNack(type, Long.toString(state.versionCounter), nonce, request.getErrorDetail().getMessage());
        } else {
            recordAck(type, request.getVersionInfo(), state.sentPushVersion);
        }
        if (!names.equals(state.names)) {
            state.names = names;
            send(type, state, false);
        }
    }

    @Override
    void pushAll() {
        for (XdsType type : XdsType.values()) {
            TypeState state = types.get(type);
            if (state.subscribed && !closed()) {
                send(type, state, false);
            }
        }
    }

    /** Sends the type's current resources; unless {@code always}, only when they differ from what was sent. */
    private void send(XdsType type, TypeState state, boolean always) {
        Generated generated = generate(type, state.names, type.wildcard() && state.names.isEmpty());
        if (generated == null) {
            return;
        }
        Map<String, Any> resources = generated.resources();
        if (!always && resources.equals(state.sent)) {
            return;
        }
        state.versionCounter++;
        String version = Long.toString(state.versionCounter);
        String nonce = server.nextNonce();
        DiscoveryResponse response = DiscoveryResponse.newBuilder()
                .setVersionInfo(version)
                .setTypeUrl(type.typeUrl())
                .setNonce(nonce)
                .addAllResources(resources.values())
                .build();
        if (!send(response)) {
            return;
        }
        state.sent = resources;
        state.sentNonce = nonce;
        state.sentPushVersion = generated.context().version();
        recordSent(type, version, nonce, resources.size(), generated);
    }
}
