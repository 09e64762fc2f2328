package dev.weft.controlplane.xds;

import com.google.protobuf.Any;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.grpc.stub.ServerCallStreamObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * One incremental (delta) ADS stream. Per type it tracks what the proxy subscribed to (names, the wildcard
 * {@code *}, or the legacy wildcard of an empty first CDS/LDS request) and which version of each resource the proxy
 * has ({@code initial_resource_versions} on a new stream, then every response sent). A push sends only resources
 * whose {@link ResourceVersion} differs from the proxy's, and names the proxy has that no longer exist in
 * {@code removed_resources}. A NACK puts back what the proxy had before the rejected response, so the next change
 * resends everything it still lacks; an unchanged rejected response is not sent again.
 */
final class DeltaAdsStream extends XdsStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse> {
    private static final Logger log = LoggerFactory.getLogger(DeltaAdsStream.class);
    private static final String WILDCARD = "*";
    /** Unanswered responses remembered per type; a proxy that never answers does not grow the stream's memory. */
    private static final int MAX_IN_FLIGHT = 64;

    /** A response sent and not yet ACKed or NACKed. {@code changes}: name → version sent, null for a removal. */
    private record InFlight(String version, long pushVersion, Map<String, String> changes,
                            Map<String, String> before) {}

    /** Per-type state of this stream; touched only on the serial executor. */
    private static final class Subscription {
        boolean started;
        boolean wildcard;
        final Set<String> names = new HashSet<>();
        /** What the proxy has: name → version. */
        final Map<String, String> known = new HashMap<>();
        /** Names subscribed since the last response: answered even when they do not exist (as removed). */
        final Set<String> newlyRequested = new HashSet<>();
        long versionCounter;
        final LinkedHashMap<String, InFlight> inFlight = new LinkedHashMap<>() {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, InFlight> eldest) {
                return size() > MAX_IN_FLIGHT;
            }
        };
        /** The changes of the last NACKed response, not sent again while they are all that would be sent. */
        Map<String, String> rejected;

        boolean covers(String name) {
            return wildcard || names.contains(name);
        }
    }

    private final EnumMap<XdsType, Subscription> types = new EnumMap<>(XdsType.class);

    DeltaAdsStream(long streamId, XdsServer server, ServerCallStreamObserver<DeltaDiscoveryResponse> responses,
                   SerialExecutor serial, PeerCredentials peer) {
        super(streamId, server, responses, serial, "delta", peer);
        for (XdsType t : XdsType.values()) {
            types.put(t, new Subscription());
        }
    }

    @Override
    void handle(DeltaDiscoveryRequest request) {
        XdsType type = requestedType(request.hasNode(), request.getNode(), request.getTypeUrl());
        if (type == null) {
            return;
        }
        Subscription sub = types.get(type);
        String nonce = request.getResponseNonce();
        if (!nonce.isEmpty()) {
            answered(type, sub, nonce, request);
        }
        boolean first = !sub.started;
        boolean changed = false;
        if (first) {
            sub.started = true;
            // The legacy wildcard: a first CDS/LDS request that names nothing asks for everything.
            sub.wildcard = type.wildcard() && request.getResourceNamesSubscribeCount() == 0;
            sub.known.putAll(request.getInitialResourceVersionsMap());
        }
        for (String name : request.getResourceNamesSubscribeList()) {
            if (name.equals(WILDCARD)) {
                changed |= !sub.wildcard;
                sub.wildcard = true;
            } else if (sub.names.add(name)) {
                sub.newlyRequested.add(name);
                changed = true;
            }
        }
        for (String name : request.getResourceNamesUnsubscribeList()) {
            if (name.equals(WILDCARD)) {
                changed |= sub.wildcard;
                sub.wildcard = false;
            } else {
                changed |= sub.names.remove(name);
                sub.newlyRequested.remove(name);
            }
        }
        // The proxy drops what it no longer subscribes to, so the server forgets it too.
        sub.known.keySet().removeIf(name -> !sub.covers(name));
        if (first || changed) {
            send(type, sub, first);
        }
    }

    /** An ACK or NACK of one response. */
    private void answered(XdsType type, Subscription sub, String nonce, DeltaDiscoveryRequest request) {
        InFlight sent = sub.inFlight.remove(nonce);
        if (sent == null) {
            log.debug("{} {} answer to unknown nonce '{}' ignored", node.id(), type.shortName(), nonce);
            return;
        }
        if (!request.hasErrorDetail()) {
            recordAck(type, sent.version(), sent.pushVersion());
            return;
        }
        recordNack(type, sent.version(), nonce, request.getErrorDetail().getMessage());
        // The proxy kept what it had: put that back unless a later response already changed the resource.
        for (Map.Entry<String, String> change : sent.changes().entrySet()) {
            String name = change.getKey();
            if (Objects.equals(sub.known.get(name), change.getValue())) {
                String before = sent.before().get(name);
                if (before == null) {
                    sub.known.remove(name);
                } else {
                    sub.known.put(name, before);
                }
            }
        }
        sub.rejected = sent.changes();
    }

    @Override
    void pushAll() {
        for (XdsType type : XdsType.values()) {
            Subscription sub = types.get(type);
            if (sub.started && !closed()) {
                send(type, sub, false);
            }
        }
    }

    /** Sends what differs between the proxy's resources and the current ones; unless {@code always}, only if any. */
    private void send(XdsType type, Subscription sub, boolean always) {
        Generated generated = generate(type, sub.names, sub.wildcard);
        if (generated == null) {
            return;
        }
        Map<String, String> changes = new LinkedHashMap<>();
        DeltaDiscoveryResponse.Builder response = DeltaDiscoveryResponse.newBuilder().setTypeUrl(type.typeUrl());
        for (Map.Entry<String, Any> e : generated.resources().entrySet()) {
            String version = ResourceVersion.of(e.getValue());
            if (!version.equals(sub.known.get(e.getKey()))) {
                changes.put(e.getKey(), version);
                response.addResources(Resource.newBuilder().setName(e.getKey()).setVersion(version)
                        .setResource(e.getValue()));
            }
        }
        Set<String> removed = new TreeSet<>();
        for (String name : sub.known.keySet()) {
            if (!generated.resources().containsKey(name)) {
                removed.add(name);
            }
        }
        // A name asked for that does not exist is answered as removed, so the proxy need not wait for it.
        for (String name : sub.newlyRequested) {
            if (!generated.resources().containsKey(name)) {
                removed.add(name);
            }
        }
        sub.newlyRequested.clear();
        for (String name : removed) {
            changes.put(name, null);
            response.addRemovedResources(name);
        }
        if (!always && (changes.isEmpty() || changes.equals(sub.rejected))) {
            return;
        }
        Map<String, String> before = new HashMap<>();
        for (String name : changes.keySet()) {
            before.put(name, sub.known.get(name));
        }
        sub.versionCounter++;
        String version = Long.toString(sub.versionCounter);
        String nonce = server.nextNonce();
        if (!send(response.setSystemVersionInfo(version).setNonce(nonce).build())) {
            return;
        }
        changes.forEach((name, v) -> {
            if (v == null) {
                sub.known.remove(name);
            } else {
                sub.known.put(name, v);
            }
        });
        sub.inFlight.put(nonce, new InFlight(version, generated.context().version(), changes, before));
        recordSent(type, version, nonce, response.getResourcesCount(), generated);
    }
}
