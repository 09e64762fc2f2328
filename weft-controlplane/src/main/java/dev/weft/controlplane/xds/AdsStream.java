package dev.weft.controlplane.xds;

import com.google.protobuf.Any;
import com.google.protobuf.Message;
import dev.weft.controlplane.proxy.InvalidNodeException;
import dev.weft.controlplane.proxy.ProxyNode;
import dev.weft.controlplane.push.PushContext;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One state-of-the-world ADS stream. Requests and pushes run on the stream's {@link SerialExecutor}, never on
 * gRPC's threads; a push waits for the transport to be ready, so a slow proxy holds back only itself and its
 * pending pushes collapse into one with the latest push context.
 */
final class AdsStream implements StreamObserver<DiscoveryRequest> {
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

    private final long streamId;
    private final XdsServer server;
    private final ServerCallStreamObserver<DiscoveryResponse> responses;
    private final SerialExecutor serial;
    private final EnumMap<XdsType, TypeState> types = new EnumMap<>(XdsType.class);
    private final AtomicBoolean pushQueued = new AtomicBoolean();
    private final AtomicBoolean waitingForReady = new AtomicBoolean();
    private ProxyNode node;
    private volatile ProxyStatus status; // read by /debug/syncz
    private boolean closed;

    AdsStream(long streamId, XdsServer server, ServerCallStreamObserver<DiscoveryResponse> responses,
              SerialExecutor serial) {
        this.streamId = streamId;
        this.server = server;
        this.responses = responses;
        this.serial = serial;
        for (XdsType t : XdsType.values()) {
            types.put(t, new TypeState());
        }
        responses.setOnReadyHandler(() -> {
            if (waitingForReady.compareAndSet(true, false)) {
                push();
            }
        });
        responses.setOnCancelHandler(() -> serial.execute(this::closeStream));
    }

    ProxyStatus status() {
        return status;
    }

    @Override
    public void onNext(DiscoveryRequest request) {
        serial.execute(() -> handle(request));
    }

    @Override
    public void onError(Throwable t) {
        serial.execute(() -> {
            if (node != null && !closed) {
                log.info("xDS stream of {} ended: {}", node.id(), Status.fromThrowable(t));
            }
            closeStream();
        });
    }

    @Override
    public void onCompleted() {
        serial.execute(() -> {
            if (!closed) {
                responses.onCompleted();
            }
            closeStream();
        });
    }

    /** Asks for a push with the server's current context; coalesces with a push already queued. */
    void push() {
        if (pushQueued.compareAndSet(false, true)) {
            serial.execute(() -> {
                pushQueued.set(false);
                pushChanged();
            });
        }
    }

    private void handle(DiscoveryRequest request) {
        if (closed) {
            return;
        }
        if (node == null) {
            if (!request.hasNode()) {
                fail(Status.INVALID_ARGUMENT.withDescription("the first DiscoveryRequest on a stream must carry node"));
                return;
            }
            try {
                node = ProxyNode.fromNode(request.getNode());
            } catch (InvalidNodeException e) {
                fail(Status.INVALID_ARGUMENT.withDescription("invalid node " + request.getNode().getId() + ": "
                        + e.getMessage()));
                return;
            }
            if (!node.proxyless() && request.getNode().getUserAgentName().startsWith("gRPC")) {
                // a stock gRPC client without the role metadata would get sidecar listeners and find no target
                log.warn("node {} (user agent '{}') is treated as a sidecar; a proxyless gRPC client needs node "
                        + "metadata WEFT_ROLE=proxyless (or GENERATOR=grpc) in its bootstrap", node.id(),
                        request.getNode().getUserAgentName());
            }
            status = new ProxyStatus(streamId, node, Instant.now());
            server.streamIdentified(this, node);
        }
        XdsType type = XdsType.fromTypeUrl(request.getTypeUrl());
        if (type == null) {
            log.debug("{} asked for unsupported type {}; not answered", node.id(), request.getTypeUrl());
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
            log.debug("{} {} request with stale nonce '{}' ignored", node.id(), type.shortName(), nonce);
            return;
        }
        Instant now = Instant.now();
        if (request.hasErrorDetail()) {
            String error = request.getErrorDetail().getMessage();
            String rejected = Long.toString(state.versionCounter);
            log.warn("{} NACKed {} version {}: {}", node.id(), type.shortName(), rejected, error);
            status.update(type, s -> s.nacked(new TypeSyncStatus.Nack(rejected, nonce, error, now)));
            server.metrics().onNack(type.shortName());
        } else {
            status.update(type, s -> s.acked(request.getVersionInfo(), now));
            server.metrics().onAck(state.sentPushVersion);
        }
        if (!names.equals(state.names)) {
            state.names = names;
            send(type, state, false);
        }
    }

    private void pushChanged() {
        if (closed || node == null) {
            return;
        }
        if (!responses.isReady()) {
            waitingForReady.set(true);
            // Readiness may have flipped between the check and the flag: re-check so no push is lost.
            if (responses.isReady() && waitingForReady.compareAndSet(true, false)) {
                push();
            }
            return;
        }
        for (XdsType type : XdsType.values()) {
            TypeState state = types.get(type);
            if (state.subscribed) {
                send(type, state, false);
            }
        }
    }

    /** Sends the type's current resources; unless {@code always}, only when they differ from what was sent. */
    private void send(XdsType type, TypeState state, boolean always) {
        PushContext context = server.currentContext();
        Map<String, Any> resources;
        long generationStart = System.nanoTime();
        try {
            SortedMap<String, Message> generated = server.generators().forType(type).generate(context, node,
                    state.names);
            resources = new LinkedHashMap<>();
            boolean all = type.wildcard() && state.names.isEmpty();
            for (Map.Entry<String, Message> e : generated.entrySet()) {
                if (all || state.names.contains(e.getKey())) {
                    resources.put(e.getKey(), Any.pack(e.getValue()));
                }
            }
        } catch (RuntimeException e) {
            log.error("generating {} for {} failed (push context {}); nothing sent", type.shortName(), node.id(),
                    context.version(), e);
            server.metrics().onGenerationError();
            return;
        }
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
        try {
            responses.onNext(response);
        } catch (RuntimeException e) {
            log.debug("sending to {} failed; the stream is closing", node.id(), e);
            closeStream();
            return;
        }
        state.sent = resources;
        state.sentNonce = nonce;
        state.sentPushVersion = context.version();
        server.metrics().onResponseSent(type.shortName(), System.nanoTime() - generationStart);
        int count = resources.size();
        Instant now = Instant.now();
        status.update(type, s -> s.sent(version, nonce, count, now));
        log.debug("sent {} version {} ({} resources, push context {}) to {}", type.shortName(), version, count,
                context.version(), node.id());
    }

    private void fail(Status status) {
        log.warn("closing xDS stream {}: {}", streamId, status.getDescription());
        try {
            responses.onError(status.asRuntimeException());
        } catch (RuntimeException ignored) {
            // already closed by the peer
        }
        closeStream();
    }

    private void closeStream() {
        if (closed) {
            return;
        }
        closed = true;
        server.streamClosed(this, node);
    }

    long streamId() {
        return streamId;
    }
}
