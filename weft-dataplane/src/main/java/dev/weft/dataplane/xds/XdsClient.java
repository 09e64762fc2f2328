package dev.weft.dataplane.xds;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.UnknownFieldSet;
import com.google.rpc.Code;
import com.google.rpc.Status;
import dev.weft.dataplane.config.ClusterConfig;
import dev.weft.dataplane.config.ConfigSnapshot;
import dev.weft.dataplane.config.EndpointSet;
import dev.weft.dataplane.config.ListenerConfig;
import dev.weft.dataplane.config.RouteTable;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.CallOptions;
import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Envoy-compatible ADS client, state of the world or incremental (delta, {@link Options#delta()}). Subscribes CDS and
 * LDS as wildcards, then EDS and RDS for the names those reference; parses every response into records; NACKs a
 * response it cannot apply and keeps the old config; otherwise publishes a new immutable {@link ConfigSnapshot},
 * caches the raw resources on disk and ACKs. A delta response is applied on top of the current resources (added or
 * changed ones replace theirs, {@code removed_resources} go); the per-resource versions are kept (as {@code Resource}
 * wrappers, in the cache too) and offered as {@code initial_resource_versions} on every new stream, so a reconnect
 * transfers only what changed. Reconnects forever with capped, jittered exponential backoff; the last snapshot
 * keeps serving meanwhile.
 *
 * <p>All protocol state is confined to one thread (gRPC callbacks run on it too), so none of it needs locks.
 */
public final class XdsClient implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(XdsClient.class);

    /**
     * @param controlPlane HOST:PORT of the ADS server
     * @param dataDir where the last applied config is cached; null disables the cache
     * @param initialFetchTimeout how long warmness waits for EDS/RDS resources the server may not have
     * @param delta use incremental xDS ({@code DeltaAggregatedResources}) instead of state of the world
     */
    public record Options(String controlPlane, NodeIdentity node, Path dataDir, Duration initialBackoff,
                          Duration maxBackoff, Duration initialFetchTimeout, boolean delta,
                          ChannelCredentials credentials) {
        public Options {
            Objects.requireNonNull(controlPlane, "controlPlane");
            Objects.requireNonNull(node, "node");
            Objects.requireNonNull(credentials, "credentials");
        }

        /** Plaintext. */
        public Options(String controlPlane, NodeIdentity node, Path dataDir, Duration initialBackoff,
                       Duration maxBackoff, Duration initialFetchTimeout, boolean delta) {
            this(controlPlane, node, dataDir, initialBackoff, maxBackoff, initialFetchTimeout, delta,
                    InsecureChannelCredentials.create());
        }

        /** State of the world, plaintext. */
        public Options(String controlPlane, NodeIdentity node, Path dataDir, Duration initialBackoff,
                       Duration maxBackoff, Duration initialFetchTimeout) {
            this(controlPlane, node, dataDir, initialBackoff, maxBackoff, initialFetchTimeout, false);
        }

        public static Options of(String controlPlane, NodeIdentity node, Path dataDir) {
            return new Options(controlPlane, node, dataDir, Duration.ofMillis(250), Duration.ofSeconds(5),
                    Duration.ofSeconds(5));
        }

        public Options withDelta(boolean delta) {
            return new Options(controlPlane, node, dataDir, initialBackoff, maxBackoff, initialFetchTimeout, delta,
                    credentials);
        }

        /**
         * How the channel authenticates: plaintext by default; a proxy with a workload identity passes mTLS
         * credentials (the control plane's TLS port then binds the node to its certificate).
         */
        public Options withCredentials(ChannelCredentials credentials) {
            return new Options(controlPlane, node, dataDir, initialBackoff, maxBackoff, initialFetchTimeout, delta,
                    credentials);
        }
    }

    private final Options options;
    /**
     * The requests' {@code node} field (SotW, delta), serialized by hand ({@link NodeIdentity#toNodeBytes}) and sent
     * as an unknown field of the request: a generated {@code Node} builds protobuf descriptors when serialized.
     */
    private final UnknownFieldSet node;
    private final byte[] nodeBytes;
    private final ScheduledExecutorService executor;
    private final ManagedChannel channel;
    private final AggregatedDiscoveryServiceGrpc.AggregatedDiscoveryServiceStub stub;
    private final SnapshotCache cache;
    private final List<Consumer<ConfigSnapshot>> listeners = new CopyOnWriteArrayList<>();
    private final AtomicReference<ConfigSnapshot> snapshot = new AtomicReference<>(ConfigSnapshot.EMPTY);
    private final CountDownLatch warmLatch = new CountDownLatch(1);
    private volatile AppliedResources applied = AppliedResources.EMPTY;
    private volatile XdsStatus status;
    private volatile boolean warm;

    // Confined to the executor thread.
    private final Map<String, TypeState> types = new LinkedHashMap<>();
    private StreamObserver<DiscoveryRequest> requests;
    private StreamObserver<DeltaRequest> deltaRequests;
    private long streamId;
    private int consecutiveFailures;
    private long reconnects;
    private String lastStreamError;
    private XdsStatus.ConnectionState connection = XdsStatus.ConnectionState.IDLE;
    private boolean loadedFromCache;
    private boolean fetchTimeoutElapsed;
    private boolean fetchTimerStarted;
    private boolean closed;
    private Instant lastUpdate;

    /**
     * The network runtime the xDS channel may share: a proxy's event loops, the socket channel type they take and its
     * buffer pool. Without one, gRPC starts event-loop threads and a buffer pool of its own for one connection.
     */
    public record ChannelNetwork(EventLoopGroup eventLoops, Class<? extends Channel> channelType,
                                 ByteBufAllocator allocator) {
        public ChannelNetwork {
            Objects.requireNonNull(eventLoops, "eventLoops");
            Objects.requireNonNull(channelType, "channelType");
            Objects.requireNonNull(allocator, "allocator");
        }
    }

    private static UnknownFieldSet nodeField(int number, ByteString node) {
        return UnknownFieldSet.newBuilder()
                .addField(number, UnknownFieldSet.Field.newBuilder().addLengthDelimited(node).build()).build();
    }

    public XdsClient(Options options) {
        this(options, null);
    }

    /** @param network the event loops and buffer pool the channel runs on; null for gRPC's own */
    public XdsClient(Options options, ChannelNetwork network) {
        this.options = options;
        this.nodeBytes = options.node().toNodeBytes();
        this.node = nodeField(DiscoveryRequest.NODE_FIELD_NUMBER, ByteString.copyFrom(nodeBytes));
        ScheduledThreadPoolExecutor ex = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "weft-xds-client");
            t.setDaemon(true);
            return t;
        });
        ex.setRemoveOnCancelPolicy(true);
        this.executor = ex;
        NettyChannelBuilder builder = NettyChannelBuilder.forTarget(options.controlPlane(),
                options.credentials());
        if (network != null) { // the proxy's own loops and buffer pool instead of gRPC's threads and pool
            builder.eventLoopGroup(network.eventLoops()).channelType(network.channelType())
                    .withOption(ChannelOption.ALLOCATOR, network.allocator());
        }
        this.channel = builder
                .executor(executor)
                .offloadExecutor(executor)
                .maxInboundMessageSize(64 * 1024 * 1024)
                // No client keepalive: gRPC servers by default answer pings more often than every 5 minutes with
                // GOAWAY (too_many_pings), which would break the stream; a dead control plane resets the TCP
                // connection, which fails the stream anyway.
                .build();
        this.stub = AggregatedDiscoveryServiceGrpc.newStub(channel);
        this.cache = options.dataDir() == null ? null : new SnapshotCache(options.dataDir());
        for (String type : XdsTypes.ALL) {
            types.put(type, new TypeState(type));
        }
        this.status = buildStatus();
    }

    /** Called with every applied snapshot, on the xDS thread, in order; also at once with the current one if any. */
    public void addSnapshotListener(Consumer<ConfigSnapshot> listener) {
        listeners.add(listener);
        executor.execute(() -> {
            if (lastUpdate != null) {
                deliver(listener, snapshot.get());
            }
        });
    }

    /**
     * Loads the disk cache (if any; it is applied before the control plane answers, so a proxy restarted while the
     * control plane is down serves at once), then opens the ADS stream. Returns once the cache is applied.
     */
    public void start() {
        try {
            executor.submit(() -> {
                loadCache();
                connect();
            }).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            throw new IllegalStateException("xDS client failed to start", e.getCause());
        }
    }

    /** The latest applied config ({@link ConfigSnapshot#EMPTY} before the first). */
    public ConfigSnapshot current() {
        return snapshot.get();
    }

    public boolean isWarm() {
        return warm;
    }

    public boolean awaitWarm(Duration timeout) throws InterruptedException {
        return warmLatch.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    public XdsStatus status() {
        return status;
    }

    /** The raw applied resources and versions (what {@code /config_dump} shows). */
    public AppliedResources appliedResources() {
        return applied;
    }

    /** {@code /config_dump}: status plus the applied resources as JSON. */
    public String configDumpJson() {
        return ConfigDump.toJson(applied, status);
    }

    @Override
    public void close() {
        if (executor.isShutdown()) {
            return;
        }
        try {
            executor.submit(() -> {
                closed = true;
                connection = XdsStatus.ConnectionState.CLOSED;
                StreamObserver<?> open = requests != null ? requests : deltaRequests;
                if (open != null) {
                    try {
                        open.onCompleted();
                    } catch (RuntimeException ignored) {
                        // the stream may already be gone
                    }
                    requests = null;
                    deltaRequests = null;
                }
                status = buildStatus();
            }).get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            log.debug("xDS client close: {}", e.toString());
        }
        channel.shutdownNow();
        executor.shutdown();
        if (cache != null) {
            cache.close();
        }
    }

    // ---- stream handling (executor thread) ----

    private void connect() {
        if (closed) {
            return;
        }
        long id = ++streamId;
        connection = XdsStatus.ConnectionState.CONNECTING;
        status = buildStatus();
        if (consecutiveFailures > 0) {
            // Our jittered backoff already spaced this attempt. gRPC's channel keeps a backoff of its own after failed
            // connects (1.6x per attempt up to 2 min) and fails a new stream at once while it waits: after a control
            // plane restart that took 20 s, proxies came back 5 s late — past the window the restarted control plane
            // keeps their restored registrations.
            channel.resetConnectBackoff();
        }
        if (options.delta()) {
            connectDelta(id);
            return;
        }
        requests = stub.streamAggregatedResources(streamObserver(id, this::onResponse));
        resetNonces();
        send(types.get(XdsTypes.CLUSTER), "", null);
        send(types.get(XdsTypes.LISTENER), "", null);
        for (String dependent : List.of(XdsTypes.ENDPOINT, XdsTypes.ROUTE)) {
            TypeState ts = types.get(dependent);
            if (!ts.names.isEmpty()) {
                send(ts, "", null);
            }
        }
    }

    private void onStreamEnded(String reason) {
        requests = null;
        deltaRequests = null;
        if (closed) {
            return;
        }
        int failures = consecutiveFailures++;
        long delay = backoffMillis(failures);
        reconnects++;
        lastStreamError = reason;
        connection = XdsStatus.ConnectionState.BACKING_OFF;
        status = buildStatus();
        // Loud once per outage, then quiet: a control plane that is down for an hour should not flood the log.
        if (failures == 0) {
            log.warn("xDS stream to {} ended ({}); retrying in {} ms, serving the last config meanwhile",
                    options.controlPlane(), reason, delay);
        } else if (failures % 20 == 0) {
            log.info("control plane {} still unreachable after {} attempts ({})", options.controlPlane(), failures,
                    reason);
        } else {
            log.debug("xDS stream to {} ended ({}); retrying in {} ms", options.controlPlane(), reason, delay);
        }
        executor.schedule(this::connect, delay, TimeUnit.MILLISECONDS);
    }

    /** Exponential from initialBackoff, capped at maxBackoff, with jitter in [50%, 100%] to spread reconnects. */
    private long backoffMillis(int failures) {
        long base = options.initialBackoff().toMillis();
        long cap = options.maxBackoff().toMillis();
        long exp = failures >= 30 ? cap : Math.min(cap, base << failures);
        return Math.max(1, (long) (exp * (0.5 + 0.5 * ThreadLocalRandom.current().nextDouble())));
    }

    private void onResponse(DiscoveryResponse response) {
        consecutiveFailures = 0;
        connection = XdsStatus.ConnectionState.CONNECTED;
        TypeState ts = types.get(response.getTypeUrl());
        if (ts == null) {
            log.warn("ignoring xDS response of unsubscribed type {}", response.getTypeUrl());
            status = buildStatus();
            return;
        }
        ts.nonce = response.getNonce();
        Map<String, Any> raw = new LinkedHashMap<>();
        Map<String, Object> parsed = new LinkedHashMap<>();
        try {
            decodeAll(response.getResourcesList(), ts.typeUrl, raw, parsed);
        } catch (ResourceRejectedException e) {
            // Some servers resend a NACKed response at once; log the same rejection only once.
            boolean repeated = e.getMessage().equals(ts.lastNack);
            ts.lastNack = e.getMessage();
            if (repeated) {
                log.debug("NACK {} version {} again: {}", XdsTypes.shortName(ts.typeUrl), response.getVersionInfo(),
                        e.getMessage());
            } else {
                log.warn("NACK {} version {}: {}", XdsTypes.shortName(ts.typeUrl), response.getVersionInfo(),
                        e.getMessage());
            }
            send(ts, ts.version, e.getMessage());
            status = buildStatus();
            return;
        }
        loadedFromCache = false;
        install(ts, response.getVersionInfo(), raw, parsed);
        publish();
        send(ts, ts.version, null);
        sendSubscriptionChanges();
        status = buildStatus();
    }

    private static void decodeAll(List<Any> resources, String typeUrl, Map<String, Any> raw,
                                  Map<String, Object> parsed) throws ResourceRejectedException {
        for (Any any : resources) {
            ResourceDecoder.Decoded d = ResourceDecoder.decode(any, typeUrl);
            if (parsed.put(d.name(), d.config()) != null) {
                throw new ResourceRejectedException(XdsTypes.shortName(typeUrl), d.name(), "name",
                        "duplicate resource name in one response");
            }
            raw.put(d.name(), any);
        }
        if (typeUrl.equals(XdsTypes.LISTENER)) {
            checkDistinctAddresses(parsed);
        }
    }

    /** Two listeners on one address cannot both bind; Envoy rejects such an LDS update too. */
    private static void checkDistinctAddresses(Map<String, Object> listeners) throws ResourceRejectedException {
        Map<String, String> byAddress = new LinkedHashMap<>();
        for (Object o : listeners.values()) {
            ListenerConfig l = (ListenerConfig) o;
            String other = byAddress.putIfAbsent(l.host() + ":" + l.port(), l.name());
            if (other != null) {
                throw new ResourceRejectedException("Listener", l.name(), "address",
                        "address " + l.host() + ":" + l.port() + " is already used by listener " + other);
            }
        }
    }

    /** Installs a parsed response for one type and updates dependent subscriptions; {@link #publish} follows. */
    private void install(TypeState ts, String version, Map<String, Any> raw, Map<String, Object> parsed) {
        install(ts, version, raw, parsed, XdsTypes.isWildcard(ts.typeUrl));
    }

    /** As above; {@code complete}: the maps are the type's whole new set (SotW CDS/LDS, every delta update). */
    private void install(TypeState ts, String version, Map<String, Any> raw, Map<String, Object> parsed,
                         boolean complete) {
        if (complete) {
            ts.raw = raw;
            ts.parsed = parsed;
        } else {
            // SotW for EDS/RDS: a response names what it updates; absence is not deletion.
            Map<String, Any> mergedRaw = new LinkedHashMap<>(ts.raw);
            Map<String, Object> mergedParsed = new LinkedHashMap<>(ts.parsed);
            mergedRaw.putAll(raw);
            mergedParsed.putAll(parsed);
            mergedRaw.keySet().retainAll(ts.names);
            mergedParsed.keySet().retainAll(ts.names);
            ts.raw = mergedRaw;
            ts.parsed = mergedParsed;
        }
        ts.version = version;
        ts.applied = true;
        ts.lastNack = null;
        if (ts.typeUrl.equals(XdsTypes.CLUSTER)) {
            resubscribe(types.get(XdsTypes.ENDPOINT), edsNames());
        } else if (ts.typeUrl.equals(XdsTypes.LISTENER)) {
            resubscribe(types.get(XdsTypes.ROUTE), rdsNames());
        }
    }

    private Set<String> edsNames() {
        Set<String> names = new LinkedHashSet<>();
        for (Object o : types.get(XdsTypes.CLUSTER).parsed.values()) {
            ClusterConfig c = (ClusterConfig) o;
            if (c.type() == ClusterConfig.DiscoveryType.EDS) {
                names.add(c.edsServiceName());
            }
        }
        return names;
    }

    private Set<String> rdsNames() {
        Set<String> names = new LinkedHashSet<>();
        for (Object o : types.get(XdsTypes.LISTENER).parsed.values()) {
            ListenerConfig l = (ListenerConfig) o;
            String rds = l.isTcp() ? null : l.http().routeConfigName(); // a tcp_proxy routes no HTTP
            if (rds != null) {
                names.add(rds);
            }
        }
        return names;
    }

    private void resubscribe(TypeState dependent, Set<String> names) {
        if (names.equals(dependent.names)) {
            return;
        }
        dependent.names = Set.copyOf(names);
        Map<String, Any> raw = new LinkedHashMap<>(dependent.raw);
        Map<String, Object> parsed = new LinkedHashMap<>(dependent.parsed);
        raw.keySet().retainAll(names);
        parsed.keySet().retainAll(names);
        dependent.raw = raw;
        dependent.parsed = parsed;
    }

    private void sendSubscriptionChanges() {
        if (options.delta()) {
            sendDeltaSubscriptionChanges();
            return;
        }
        for (String type : List.of(XdsTypes.ENDPOINT, XdsTypes.ROUTE)) {
            TypeState ts = types.get(type);
            // No first request naming nothing: it would be answered (empty) before the names are known, and the
            // request with the names would then carry a stale nonce (one round trip lost at start-up).
            boolean nothingYet = ts.sentNames == null && ts.names.isEmpty();
            if (requests != null && !nothingYet && !ts.names.equals(ts.sentNames)) {
                send(ts, ts.version, null);
            }
        }
    }

    private void send(TypeState ts, String version, String error) {
        if (requests == null) {
            return;
        }
        DiscoveryRequest.Builder req = DiscoveryRequest.newBuilder()
                .setUnknownFields(node)
                .setTypeUrl(ts.typeUrl)
                .setVersionInfo(version)
                .setResponseNonce(ts.nonce);
        if (!XdsTypes.isWildcard(ts.typeUrl)) {
            req.addAllResourceNames(ts.names);
            ts.sentNames = ts.names;
        }
        if (error != null) {
            req.setErrorDetail(Status.newBuilder().setCode(Code.INVALID_ARGUMENT_VALUE).setMessage(error));
        }
        try {
            requests.onNext(req.build());
        } catch (RuntimeException e) {
            log.debug("xDS request not sent: {}", e.toString());
        }
    }

    /** Hands stream {@code id}'s events on while it is the current stream (a replaced stream's are dropped). */
    private <T> StreamObserver<T> streamObserver(long id, java.util.function.Consumer<T> onResponse) {
        return new StreamObserver<>() {
            @Override
            public void onNext(T response) {
                if (id == streamId && !closed) {
                    onResponse.accept(response);
                }
            }

            @Override
            public void onError(Throwable t) {
                if (id == streamId) {
                    onStreamEnded(t.toString());
                }
            }

            @Override
            public void onCompleted() {
                if (id == streamId) {
                    onStreamEnded("stream closed by the control plane");
                }
            }
        };
    }

    /** A new stream starts from empty nonces: a restarted control plane may reuse version strings and nonces. */
    private void resetNonces() {
        for (TypeState ts : types.values()) {
            ts.nonce = "";
            ts.sentNames = null;
        }
    }

    // ---- incremental (delta) xDS (executor thread) ----

    private void connectDelta(long id) {
        deltaRequests = ClientCalls.asyncBidiStreamingCall(channel.newCall(DeltaRequest.METHOD, CallOptions.DEFAULT),
                streamObserver(id, this::onDeltaResponse));
        resetNonces();
        // CDS and LDS: the legacy wildcard (a first request naming nothing), as Envoy subscribes.
        subscribeDelta(types.get(XdsTypes.CLUSTER), Set.of());
        subscribeDelta(types.get(XdsTypes.LISTENER), Set.of());
        sendDeltaSubscriptionChanges();
    }

    /** The first request of a type on this stream: its names and the versions of every resource still held. */
    private void subscribeDelta(TypeState ts, Set<String> names) {
        ts.sentNames = names;
        sendDelta(DeltaRequest.subscribe(nodeBytes, ts.typeUrl, names, resourceVersions(ts)));
    }

    /** EDS/RDS names to add or drop since the last request of the stream. */
    private void sendDeltaSubscriptionChanges() {
        for (String type : List.of(XdsTypes.ENDPOINT, XdsTypes.ROUTE)) {
            TypeState ts = types.get(type);
            if (deltaRequests == null || ts.names.equals(ts.sentNames)) {
                continue;
            }
            if (ts.sentNames == null) {
                if (!ts.names.isEmpty()) { // an empty first request would be a wildcard to some servers
                    subscribeDelta(ts, ts.names);
                }
                continue;
            }
            Set<String> subscribe = new TreeSet<>(ts.names);
            subscribe.removeAll(ts.sentNames);
            Set<String> unsubscribe = new TreeSet<>(ts.sentNames);
            unsubscribe.removeAll(ts.names);
            ts.sentNames = ts.names;
            sendDelta(DeltaRequest.change(ts.typeUrl, subscribe, unsubscribe));
        }
    }

    /** name → version of the resources of a type that came with one (delta responses; the cache keeps them). */
    private static Map<String, String> resourceVersions(TypeState ts) {
        Map<String, String> versions = new LinkedHashMap<>();
        for (Map.Entry<String, Any> e : ts.raw.entrySet()) {
            if (e.getValue().getTypeUrl().equals(ResourceDecoder.RESOURCE_WRAPPER)) {
                try {
                    String v = Resource.parseFrom(e.getValue().getValue()).getVersion();
                    if (!v.isEmpty()) {
                        versions.put(e.getKey(), v);
                    }
                } catch (InvalidProtocolBufferException ignored) {
                    // no version to offer: the server sends the resource again
                }
            }
        }
        return versions;
    }

    private void onDeltaResponse(DeltaDiscoveryResponse response) {
        consecutiveFailures = 0;
        connection = XdsStatus.ConnectionState.CONNECTED;
        TypeState ts = types.get(response.getTypeUrl());
        if (ts == null) {
            log.warn("ignoring delta xDS response of unsubscribed type {}", response.getTypeUrl());
            status = buildStatus();
            return;
        }
        String version = response.getSystemVersionInfo().isEmpty() ? response.getNonce()
                : response.getSystemVersionInfo();
        Map<String, Any> raw = new LinkedHashMap<>(ts.raw);
        Map<String, Object> parsed = new LinkedHashMap<>(ts.parsed);
        try {
            Set<String> seen = new LinkedHashSet<>();
            for (Resource r : response.getResourcesList()) {
                ResourceDecoder.Decoded d = ResourceDecoder.decode(r.getResource(), ts.typeUrl);
                if (!d.name().equals(r.getName())) {
                    throw new ResourceRejectedException(XdsTypes.shortName(ts.typeUrl), r.getName(), "name",
                            "the resource inside is named '" + d.name() + "'");
                }
                if (!seen.add(d.name())) {
                    throw new ResourceRejectedException(XdsTypes.shortName(ts.typeUrl), d.name(), "name",
                            "duplicate resource name in one response");
                }
                if (XdsTypes.isWildcard(ts.typeUrl) || ts.names.contains(d.name())) {
                    raw.put(d.name(), Any.newBuilder().setTypeUrl(ResourceDecoder.RESOURCE_WRAPPER).setValue(
                            Resource.newBuilder().setName(r.getName()).setVersion(r.getVersion())
                                    .setResource(r.getResource()).build().toByteString()).build());
                    parsed.put(d.name(), d.config());
                }
            }
            for (String removed : response.getRemovedResourcesList()) {
                raw.remove(removed);
                parsed.remove(removed);
            }
            if (ts.typeUrl.equals(XdsTypes.LISTENER)) {
                checkDistinctAddresses(parsed);
            }
        } catch (ResourceRejectedException e) {
            boolean repeated = e.getMessage().equals(ts.lastNack);
            ts.lastNack = e.getMessage();
            if (repeated) {
                log.debug("NACK delta {} {}: {}", XdsTypes.shortName(ts.typeUrl), version, e.getMessage());
            } else {
                log.warn("NACK delta {} {}: {}", XdsTypes.shortName(ts.typeUrl), version, e.getMessage());
            }
            sendDelta(DeltaRequest.nack(ts.typeUrl, response.getNonce(), e.getMessage()));
            status = buildStatus();
            return;
        }
        loadedFromCache = false;
        install(ts, version, raw, parsed, true);
        publish();
        sendDelta(DeltaRequest.ack(ts.typeUrl, response.getNonce()));
        sendDeltaSubscriptionChanges();
        status = buildStatus();
    }

    private void sendDelta(DeltaRequest request) {
        if (deltaRequests == null) {
            return;
        }
        try {
            deltaRequests.onNext(request);
        } catch (RuntimeException e) {
            log.debug("delta xDS request not sent: {}", e.toString());
        }
    }

    // ---- snapshot, cache, warmness (executor thread) ----

    @SuppressWarnings("unchecked")
    private void publish() {
        Map<String, String> versions = new LinkedHashMap<>();
        for (TypeState ts : types.values()) {
            if (ts.applied) {
                versions.put(ts.typeUrl, ts.version);
            }
        }
        ConfigSnapshot next = new ConfigSnapshot(versions,
                (Map<String, ListenerConfig>) (Map<String, ?>) types.get(XdsTypes.LISTENER).parsed,
                (Map<String, RouteTable>) (Map<String, ?>) types.get(XdsTypes.ROUTE).parsed,
                (Map<String, ClusterConfig>) (Map<String, ?>) types.get(XdsTypes.CLUSTER).parsed,
                (Map<String, EndpointSet>) (Map<String, ?>) types.get(XdsTypes.ENDPOINT).parsed);
        AppliedResources nextApplied = AppliedResources.EMPTY;
        for (TypeState ts : types.values()) {
            if (ts.applied) {
                nextApplied = nextApplied.with(ts.typeUrl, new AppliedResources.TypeResources(ts.version, ts.raw));
            }
        }
        applied = nextApplied;
        snapshot.set(next);
        lastUpdate = Instant.now();
        status = buildStatus();
        for (Consumer<ConfigSnapshot> l : listeners) {
            deliver(l, next);
        }
        if (cache != null && !loadedFromCache) {
            cache.saveAsync(nextApplied);
        }
        checkWarm();
    }

    private static void deliver(Consumer<ConfigSnapshot> listener, ConfigSnapshot s) {
        try {
            listener.accept(s);
        } catch (RuntimeException e) {
            log.error("config snapshot listener failed", e);
        }
    }

    private void checkWarm() {
        if (isWarm()) {
            return;
        }
        TypeState cds = types.get(XdsTypes.CLUSTER);
        TypeState lds = types.get(XdsTypes.LISTENER);
        if (loadedFromCache) {
            markWarm();
            return;
        }
        if (!cds.applied || !lds.applied) {
            return;
        }
        if (satisfied(types.get(XdsTypes.ENDPOINT)) && satisfied(types.get(XdsTypes.ROUTE))) {
            markWarm();
            log.info("xDS config warm: {}", versionsForLog());
            return;
        }
        if (!fetchTimerStarted) {
            // A resource the server has nothing for must not keep the proxy cold forever.
            fetchTimerStarted = true;
            executor.schedule(() -> {
                fetchTimeoutElapsed = true;
                checkWarm();
                status = buildStatus();
            }, options.initialFetchTimeout().toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Every referenced resource arrived, or the initial fetch timeout passed. An answer that lacks a name does not
     * count: control planes answer before a new proxy's own registration has been pushed, and serving 404s from a
     * half-filled config would be worse than waiting a few seconds.
     */
    /** Status first, so whoever awaitWarm() wakes sees a status that says warm. */
    private void markWarm() {
        warm = true;
        status = buildStatus();
        warmLatch.countDown();
    }

    private boolean satisfied(TypeState ts) {
        return ts.names.isEmpty() || ts.parsed.keySet().containsAll(ts.names) || fetchTimeoutElapsed;
    }

    private String versionsForLog() {
        StringBuilder sb = new StringBuilder();
        for (TypeState ts : types.values()) {
            sb.append(XdsTypes.shortName(ts.typeUrl)).append('=').append(ts.version).append('(')
                    .append(ts.parsed.size()).append(") ");
        }
        return sb.toString().trim();
    }

    private void loadCache() {
        if (cache == null) {
            return;
        }
        AppliedResources cached = cache.load().orElse(null);
        if (cached == null) {
            return;
        }
        // Parse everything first: a cache this version of Weft cannot apply is ignored as a whole.
        Map<String, Map<String, Object>> parsedByType = new LinkedHashMap<>();
        try {
            for (String type : XdsTypes.ALL) {
                Map<String, Object> parsed = new LinkedHashMap<>();
                decodeAll(List.copyOf(cached.get(type).resources().values()), type, new LinkedHashMap<>(), parsed);
                parsedByType.put(type, parsed);
            }
        } catch (ResourceRejectedException e) {
            log.warn("ignoring xDS cache {}: {}", cache.file(), e.getMessage());
            return;
        }
        loadedFromCache = true;
        // CDS before EDS and LDS before RDS so the dependent subscriptions are known when those are applied.
        for (String type : List.of(XdsTypes.CLUSTER, XdsTypes.LISTENER, XdsTypes.ENDPOINT, XdsTypes.ROUTE)) {
            AppliedResources.TypeResources tr = cached.get(type);
            if (!cached.byType().containsKey(type)) {
                continue;
            }
            TypeState ts = types.get(type);
            install(ts, tr.version(), tr.resources(), parsedByType.get(type));
        }
        publish();
        log.info("applied cached xDS config from {}: {}", cache.file(), versionsForLog());
        status = buildStatus();
    }

    private XdsStatus buildStatus() {
        Map<String, String> versions = new LinkedHashMap<>();
        Map<String, String> nacks = new LinkedHashMap<>();
        for (TypeState ts : types.values()) {
            if (ts.applied) {
                versions.put(XdsTypes.shortName(ts.typeUrl), ts.version);
            }
            if (ts.lastNack != null) {
                nacks.put(XdsTypes.shortName(ts.typeUrl), ts.lastNack);
            }
        }
        return new XdsStatus(connection, options.controlPlane(), isWarm(), loadedFromCache, versions, nacks,
                lastUpdate, reconnects, lastStreamError);
    }

    /** Per-type protocol state. */
    private static final class TypeState {
        final String typeUrl;
        String version = "";
        String nonce = "";
        Map<String, Any> raw = Map.of();
        Map<String, Object> parsed = Map.of();
        /** Subscribed names for EDS/RDS (unused for the wildcard types). */
        Set<String> names = Set.of();
        /** The names last sent on the current stream, null before the first request. */
        Set<String> sentNames;
        boolean applied;
        String lastNack;

        TypeState(String typeUrl) {
            this.typeUrl = typeUrl;
        }
    }
}
