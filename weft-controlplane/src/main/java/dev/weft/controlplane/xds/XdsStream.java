package dev.weft.controlplane.xds;

import com.google.protobuf.Any;
import com.google.protobuf.Message;
import dev.weft.controlplane.proxy.InvalidNodeException;
import dev.weft.controlplane.proxy.ProxyNode;
import dev.weft.controlplane.push.PushContext;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What the state-of-the-world and the delta ADS streams share: the node handshake, push coalescing and flow
 * control, generation, ACK/NACK bookkeeping in {@link ProxyStatus}, and closing. Requests and pushes run on the
 * stream's {@link SerialExecutor}, never on gRPC's threads; a push waits for the transport to be ready, so a slow
 * proxy holds back only itself and its pending pushes collapse into one with the latest push context.
 *
 * @param <Q> the request message of the variant
 * @param <R> the response message of the variant
 */
abstract class XdsStream<Q, R> implements StreamObserver<Q> {
    private static final Logger log = LoggerFactory.getLogger(XdsStream.class);

    private final long streamId;
    final XdsServer server;
    private final ServerCallStreamObserver<R> responses;
    private final String api;
    private final AtomicBoolean pushQueued = new AtomicBoolean();
    private final AtomicBoolean waitingForReady = new AtomicBoolean();
    private final SerialExecutor serial;
    private final PeerCredentials peer;
    ProxyNode node;
    private volatile ProxyStatus status; // read by /debug/syncz
    private boolean closed;

    XdsStream(long streamId, XdsServer server, ServerCallStreamObserver<R> responses, SerialExecutor serial,
              String api, PeerCredentials peer) {
        this.streamId = streamId;
        this.peer = peer;
        this.server = server;
        this.responses = responses;
        this.serial = serial;
        this.api = api;
        responses.setOnReadyHandler(() -> {
            if (waitingForReady.compareAndSet(true, false)) {
                push();
            }
        });
        responses.setOnCancelHandler(() -> serial.execute(this::closeStream));
    }

    /** Handles one request of the variant; runs on the serial executor, on an open stream. */
    abstract void handle(Q request);

    /** Sends every subscribed type what changed for the server's current context; the transport is ready. */
    abstract void pushAll();

    ProxyStatus status() {
        return status;
    }

    long streamId() {
        return streamId;
    }

    boolean closed() {
        return closed;
    }

    @Override
    public void onNext(Q request) {
        serial.execute(() -> {
            if (!closed) {
                handle(request);
            }
        });
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

    /**
     * The type a request asks about, once the proxy is identified; null when it is not to be answered (the stream
     * failed because the node is missing or invalid, or the type is one Weft does not serve).
     */
    XdsType requestedType(boolean hasNode, Node nodeProto, String typeUrl) {
        if (!identify(hasNode, nodeProto)) {
            return null;
        }
        XdsType type = XdsType.fromTypeUrl(typeUrl);
        if (type == null) {
            log.debug("{} asked for unsupported type {}; not answered", node.id(), typeUrl);
        }
        return type;
    }

    /**
     * Identifies the proxy from the stream's first request; false (and the stream failed) when it cannot be.
     * Later requests may omit the node.
     */
    private boolean identify(boolean hasNode, Node nodeProto) {
        if (node != null) {
            return true;
        }
        if (!hasNode) {
            fail(Status.INVALID_ARGUMENT.withDescription("the first request on an ADS stream must carry node"));
            return false;
        }
        ProxyNode announced;
        try {
            announced = ProxyNode.fromNode(nodeProto);
        } catch (InvalidNodeException e) {
            fail(Status.INVALID_ARGUMENT.withDescription("invalid node " + nodeProto.getId() + ": " + e.getMessage()));
            return false;
        }
        // the node's identity claims must be what the transport proved, before anything is registered
        StreamAuthentication.Outcome outcome = StreamAuthentication.bind(announced, peer, server.authenticationPolicy());
        if (outcome instanceof StreamAuthentication.Refused refused) {
            refuse(announced.id(), refused.reason());
            return false;
        }
        StreamAuthentication.Bound bound = (StreamAuthentication.Bound) outcome;
        node = announced;
        status = new ProxyStatus(streamId, node, Instant.now(), api,
                new ProxyStatus.Authentication(peer.transport(), bound.spiffeId(), bound.registration().serviceAccount()));
        String conflict = server.streamIdentified(this, bound.registration());
        if (conflict != null) {
            node = null;
            status = null;
            refuse(announced.id(), conflict);
            return false;
        }
        return true;
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
        pushAll();
    }

    /** A type's resources for this proxy, packed, by name. */
    record Generated(PushContext context, Map<String, Any> resources, long startNanos) {}

    /**
     * Generates {@code type} for this proxy from the current context, keeping every resource when {@code all} and
     * otherwise only {@code names}; null (logged and counted) when a generator fails, in which case nothing is sent.
     */
    Generated generate(XdsType type, Set<String> names, boolean all) {
        PushContext context = server.currentContext();
        long start = System.nanoTime();
        try {
            SortedMap<String, Message> generated = server.generators().forType(type).generate(context, node,
                    all ? Set.of() : names);
            Map<String, Any> resources = new LinkedHashMap<>();
            for (Map.Entry<String, Message> e : generated.entrySet()) {
                if (all || names.contains(e.getKey())) {
                    resources.put(e.getKey(), Any.pack(e.getValue()));
                }
            }
            return new Generated(context, resources, start);
        } catch (RuntimeException e) {
            log.error("generating {} for {} failed (push context {}); nothing sent", type.shortName(), node.id(),
                    context.version(), e);
            server.metrics().onGenerationError();
            return null;
        }
    }

    /** Sends one response; false when the stream is gone (it is then closed). */
    boolean send(R response) {
        try {
            responses.onNext(response);
            return true;
        } catch (RuntimeException e) {
            log.debug("sending to {} failed; the stream is closing", node.id(), e);
            closeStream();
            return false;
        }
    }

    void recordSent(XdsType type, String version, String nonce, int resources, Generated from) {
        server.metrics().onResponseSent(type.shortName(), System.nanoTime() - from.startNanos());
        Instant now = Instant.now();
        status.update(type, s -> s.sent(version, nonce, resources, now));
        log.debug("sent {} {} version {} ({} resources, push context {}) to {}", api, type.shortName(), version,
                resources, from.context().version(), node.id());
    }

    void recordAck(XdsType type, String version, long pushVersion) {
        status.update(type, s -> s.acked(version, Instant.now()));
        server.metrics().onAck(pushVersion);
    }

    void recordNack(XdsType type, String version, String nonce, String error) {
        log.warn("{} NACKed {} version {}: {}", node.id(), type.shortName(), version, error);
        Instant now = Instant.now();
        status.update(type, s -> s.nacked(new TypeSyncStatus.Nack(version, nonce, error, now)));
        server.metrics().onNack(type.shortName());
    }

    /**
     * Fails the stream with PERMISSION_DENIED; logged as a warning the first time for this node and reason only, since
     * a refused proxy retries every few seconds.
     */
    private void refuse(String nodeId, String reason) {
        server.metrics().onStreamRefused();
        if (server.firstRefusal(nodeId, reason)) {
            log.warn("refusing xDS stream {}: {} (repeats of this refusal are logged at debug)", streamId, reason);
        } else {
            log.debug("refusing xDS stream {}: {}", streamId, reason);
        }
        close(Status.PERMISSION_DENIED.withDescription(reason));
    }

    void fail(Status status) {
        log.warn("closing xDS stream {}: {}", streamId, status.getDescription());
        close(status);
    }

    private void close(Status status) {
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
}
