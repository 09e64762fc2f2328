package dev.weft.controlplane.xds;

import dev.weft.controlplane.generator.Generators;
import dev.weft.controlplane.telemetry.ControlPlaneMetrics;
import dev.weft.controlplane.proxy.ProxyNode;
import dev.weft.controlplane.push.PushContext;
import dev.weft.controlplane.registry.ProxyRegistry;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.TlsServerCredentials;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.KeyManager;
import javax.net.ssl.TrustManager;

/**
 * The ADS gRPC server: state of the world ({@link AdsStream}) and incremental/delta ({@link DeltaAdsStream}) on the
 * same ports, a plaintext one and (with {@link Security}) a TLS one where a client certificate binds the stream's
 * identity ({@link StreamAuthentication}). Holds the current push context; {@link #push} hands a new one to every
 * stream without waiting for any of them.
 */
public final class XdsServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(XdsServer.class);

    private final Generators generators;
    private final ProxyRegistry registry;
    private final AtomicReference<PushContext> current;
    private final Map<Long, XdsStream<?, ?>> streams = new ConcurrentHashMap<>();
    private final AtomicLong streamIds = new AtomicLong();
    private final AtomicLong nonces = new AtomicLong();
    private final ExecutorService streamPool;
    private final Server server;
    private final Server tlsServer; // null: no TLS port
    private final StreamAuthentication.Policy policy;
    private final Map<String, String> refusals = new ConcurrentHashMap<>(); // node id -> last refusal logged
    private volatile ControlPlaneMetrics metrics = new ControlPlaneMetrics();

    /**
     * How xDS streams are authenticated (docs/xds-conventions.md, "Authenticated xDS").
     *
     * @param tlsPort the TLS port (0: ephemeral, -1: none); its clients may present a workload certificate (mTLS)
     * @param keyManager the control plane's serving certificate
     * @param clientTrust validates client certificates against the mesh roots
     * @param trustDomain client certificates must carry a SPIFFE ID of this trust domain
     * @param allowUnauthenticatedRegistration whether a stream without a client certificate may register an endpoint
     */
    public record Security(int tlsPort, KeyManager keyManager, TrustManager clientTrust, String trustDomain,
                           boolean allowUnauthenticatedRegistration) {}

    /** Plaintext only; every stream unauthenticated, endpoint registration allowed (tests of the xDS protocol). */
    public XdsServer(int port, Generators generators, ProxyRegistry registry, PushContext initial) {
        this(port, null, generators, registry, initial);
    }

    /** A plaintext port and, with {@code security}, a TLS port; streams are bound to their certificates. */
    public XdsServer(int port, Security security, Generators generators, ProxyRegistry registry, PushContext initial) {
        this.generators = generators;
        this.registry = registry;
        this.current = new AtomicReference<>(initial);
        this.policy = security == null ? new StreamAuthentication.Policy("cluster.local", true)
                : new StreamAuthentication.Policy(security.trustDomain(), security.allowUnauthenticatedRegistration());
        AtomicInteger threads = new AtomicInteger();
        this.streamPool = Executors.newFixedThreadPool(Math.max(2, Runtime.getRuntime().availableProcessors()), r -> {
            Thread t = new Thread(r, "weft-xds-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.server = configure(NettyServerBuilder.forAddress(new InetSocketAddress(port))).build();
        this.tlsServer = security == null || security.tlsPort() < 0 ? null : configure(NettyServerBuilder.forAddress(
                new InetSocketAddress(security.tlsPort()), TlsServerCredentials.newBuilder()
                        .keyManager(security.keyManager())
                        .trustManager(security.clientTrust())
                        // a client certificate is optional: proxyless clients and sidecars without an identity may
                        // read config over TLS; an invalid one fails the handshake
                        .clientAuth(TlsServerCredentials.ClientAuth.OPTIONAL)
                        .build())).build();
    }

    private NettyServerBuilder configure(NettyServerBuilder builder) {
        return builder
                .addService(ServerInterceptors.intercept(new AdsService(), PeerCredentials.interceptor()))
                // Detect proxies that vanished without closing (their endpoints then start the grace period).
                .keepAliveTime(30, TimeUnit.SECONDS)
                .keepAliveTimeout(10, TimeUnit.SECONDS)
                .permitKeepAliveTime(5, TimeUnit.SECONDS)
                .permitKeepAliveWithoutCalls(true);
    }

    public XdsServer start() throws IOException {
        server.start();
        log.info("xDS (ADS) listening on port {} (plaintext)", server.getPort());
        if (tlsServer != null) {
            tlsServer.start();
            log.info("xDS (ADS) listening on port {} (TLS; a workload certificate binds the node's identity); "
                    + "unauthenticated endpoint registration {}", tlsServer.getPort(),
                    policy.allowUnauthenticatedRegistration() ? "allowed (without service account)" : "refused");
        }
        return this;
    }

    /** The bound TLS port, or -1 when there is none. */
    public int tlsPort() {
        return tlsServer == null ? -1 : tlsServer.getPort();
    }

    StreamAuthentication.Policy authenticationPolicy() {
        return policy;
    }

    /** The bound port (the actual one when 0 was asked for). */
    public int port() {
        return server.getPort();
    }

    /** Makes {@code context} current and asks every stream to send what changed for it. Never blocks. */
    public void push(PushContext context) {
        current.set(context);
        for (XdsStream<?, ?> s : streams.values()) {
            s.push();
        }
    }

    public PushContext currentContext() {
        return current.get();
    }

    /** Sync status of every identified stream, oldest first. */
    public List<ProxyStatus> proxyStatuses() {
        return streams.values().stream().map(XdsStream::status).filter(java.util.Objects::nonNull)
                .sorted(Comparator.comparing(ProxyStatus::connectedSince).thenComparingLong(ProxyStatus::streamId))
                .toList();
    }

    public Generators generators() {
        return generators;
    }

    /** Where pushes, NACKs and convergence are counted (a fresh set unless the control plane shares its own). */
    public XdsServer metrics(ControlPlaneMetrics metrics) {
        this.metrics = metrics;
        return this;
    }

    public ControlPlaneMetrics metrics() {
        return metrics;
    }

    String nextNonce() {
        return Long.toString(nonces.incrementAndGet());
    }

    /** Whether this is the first refusal of {@code nodeId} for {@code reason} (remembered for a bounded set of nodes). */
    boolean firstRefusal(String nodeId, String reason) {
        if (refusals.size() > 1024) {
            refusals.clear();
        }
        return !reason.equals(refusals.put(nodeId, reason));
    }

    /** Registers the stream's node ({@code registration}: as authenticated); the refusal, or null. */
    String streamIdentified(XdsStream<?, ?> stream, ProxyNode registration) {
        ProxyStatus.Authentication auth = stream.status().authentication();
        String refused = registry.connected(stream.streamId(), registration);
        if (refused == null) {
            log.info("proxy {} connected (stream {}, {} ADS, {}{})", registration.id(), stream.streamId(),
                    stream.status().api(), auth.transport(), auth.authenticated() ? " as " + auth.spiffeId() : "");
        }
        return refused;
    }

    void streamClosed(XdsStream<?, ?> stream, ProxyNode node) {
        streams.remove(stream.streamId());
        if (node != null) {
            registry.disconnected(stream.streamId(), node.id());
        }
    }

    @Override
    public void close() {
        server.shutdownNow();
        if (tlsServer != null) {
            tlsServer.shutdownNow();
        }
        try {
            server.awaitTermination(5, TimeUnit.SECONDS);
            if (tlsServer != null) {
                tlsServer.awaitTermination(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        streamPool.shutdownNow();
    }

    private final class AdsService extends AggregatedDiscoveryServiceGrpc.AggregatedDiscoveryServiceImplBase {
        @Override
        public StreamObserver<DiscoveryRequest> streamAggregatedResources(
                StreamObserver<DiscoveryResponse> responseObserver) {
            long id = streamIds.incrementAndGet();
            AdsStream stream = new AdsStream(id, XdsServer.this,
                    (ServerCallStreamObserver<DiscoveryResponse>) responseObserver, new SerialExecutor(streamPool),
                    PeerCredentials.current());
            streams.put(id, stream);
            return stream;
        }

        @Override
        public StreamObserver<DeltaDiscoveryRequest> deltaAggregatedResources(
                StreamObserver<DeltaDiscoveryResponse> responseObserver) {
            long id = streamIds.incrementAndGet();
            DeltaAdsStream stream = new DeltaAdsStream(id, XdsServer.this,
                    (ServerCallStreamObserver<DeltaDiscoveryResponse>) responseObserver, new SerialExecutor(streamPool),
                    PeerCredentials.current());
            streams.put(id, stream);
            return stream;
        }
    }
}
