package dev.weft.proxy;

import static dev.weft.proxy.TestConfigs.forward;
import static dev.weft.proxy.TestConfigs.host;
import static dev.weft.proxy.TestConfigs.prefix;
import static dev.weft.proxy.TestConfigs.route;
import static dev.weft.proxy.TestConfigs.snapshot;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.dataplane.cluster.DefaultClusterManager;
import dev.weft.dataplane.config.ClusterConfig;
import dev.weft.dataplane.config.ConfigSnapshot;
import dev.weft.dataplane.config.Endpoint;
import dev.weft.dataplane.config.EndpointSet;
import dev.weft.dataplane.config.HttpConnectionManagerConfig;
import dev.weft.dataplane.config.ListenerConfig;
import dev.weft.dataplane.config.RouteTable;
import dev.weft.dataplane.tls.DownstreamTls;
import dev.weft.dataplane.tls.UpstreamTls;
import dev.weft.proxy.tls.MeshTlsContexts;
import dev.weft.proxy.tls.WorkloadCertificate;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * h2 by ALPN on the mesh mTLS hop: the client sidecar offers h2 and http/1.1 and speaks what the peer chose, whatever
 * the cluster config assumed — HTTP/2 to a Weft inbound listener (which advertises both) even for a cluster declared
 * HTTP/1.1, and HTTP/1.1 to a peer that chooses it even for a sidecar endpoint (assumed HTTP/2).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class MeshAlpnTest {
    private KeyPair rootKeys;
    private X509Certificate root;
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeEach
    void ca() throws Exception {
        rootKeys = newKeyPair();
        root = cert(rootKeys, rootKeys, null, "CN=root", null, true);
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : closeables.reversed()) {
            c.close();
        }
    }

    @Test
    void speaksHttp2WhenThePeerChoosesItEvenIfTheClusterSaysHttp1() throws Exception {
        TestBackend app = new TestBackend("app");
        closeables.add(app);
        Http2HopTest.CountingRelay relay = new Http2HopTest.CountingRelay(strictServerSidecar(app));
        closeables.add(relay);

        int client = clientSidecar(relay.port(), false);
        // four concurrent slow requests on one downstream h2 connection (h2load, so one event loop): over HTTP/1.1
        // upstream each would need a connection of its own, over h2 they are streams of one
        Process h2load = new ProcessBuilder("h2load", "-n", "4", "-c", "1", "-m", "4",
                "http://127.0.0.1:" + client + "/slow?ms=700").redirectErrorStream(true).start();
        String out = new String(h2load.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(h2load.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(out).contains("status codes: 4 2xx");
        assertThat(relay.connections.get()).as("one multiplexed h2 connection, chosen by ALPN").isEqualTo(1);
    }

    /**
     * The keep-alive race on the mesh mTLS hop (what MtlsTest's sidecars run): the peer drops the pooled h2-over-TLS
     * connection (no GOAWAY, no close_notify) just as the next request arrives on it. The request goes once more on a
     * new connection, with a new handshake, unseen by the client.
     */
    @Test
    void aRequestOnAReusedMutualTlsConnectionThePeerDropsGoesAgainOnANewOne() throws Exception {
        TestBackend app = new TestBackend("app");
        closeables.add(app);
        Http2HopTest.CountingRelay relay = new Http2HopTest.CountingRelay(strictServerSidecar(app));
        closeables.add(relay);
        int client = clientSidecar(relay.port(), true);
        try (RawHttpClient c = new RawHttpClient(client)) {
            assertThat(c.get("/first", "Host: peer").status()).isEqualTo(200);
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
                    .until(() -> System.nanoTime() - relay.lastByteNanos > TimeUnit.MILLISECONDS.toNanos(300));
            relay.hangUpOnNextRequest.set(true);
            RawHttpClient.Response second = c.get("/second", "Host: peer");
            assertThat(second.status()).as("%s", second.text()).isEqualTo(200);
            assertThat(second.echoed("path")).isEqualTo("/second");
        }
        assertThat(relay.connections.get()).as("a new connection (and handshake) for the request sent again")
                .isEqualTo(2);
    }

    /**
     * With TLS 1.3 the client's side of the handshake is done before the server has checked the client certificate, so
     * the request is already sent when the server refuses it (here: a SPIFFE ID of another trust domain; in a mesh
     * also an expired certificate) and closes with an alert. That is a connect failure naming the TLS error, not a
     * bare "connection termination".
     */
    @Test
    void aPeerRefusingOurCertificateAfterTheHandshakeIs503UfNamingTheTlsError() throws Exception {
        TestBackend app = new TestBackend("app");
        closeables.add(app);
        int serverPort = strictServerSidecar(app);
        clientIdentity = "spiffe://other.domain/ns/default/sa/client";
        int client = clientSidecar(serverPort, true);
        try (RawHttpClient c = new RawHttpClient(client)) {
            RawHttpClient.Response r = c.get("/refused", "Host: peer");
            System.out.println("refused client certificate: " + r.status() + " "
                    + r.header("x-weft-response-flags") + " " + r.text().strip());
            assertThat(r.status()).isEqualTo(503);
            assertThat(r.header("x-weft-response-flags")).isEqualTo("UF");
            assertThat(r.text()).contains("transport failure reason: TLS error: ");
        }
        assertThat(app.clientPorts).as("requests that reached the app").isEmpty();
    }

    @Test
    void speaksHttp1WhenThePeerChoosesItEvenForASidecarEndpoint() throws Exception {
        WorkloadCertificate cert = workload("spiffe://cluster.local/ns/default/sa/legacy");
        SslContext http1Only = SslContextBuilder.forServer(cert.key(), cert.chain().toArray(X509Certificate[]::new))
                .protocols("TLSv1.3").trustManager(root).clientAuth(ClientAuth.REQUIRE)
                .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, "http/1.1"))
                .build();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        closeables.add(() -> group.shutdownGracefully(0, 1, TimeUnit.SECONDS));
        Channel peer = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(http1Only.newHandler(ch.alloc()), new HttpServerCodec(),
                                new HttpObjectAggregator(1024), new SimpleChannelInboundHandler<FullHttpRequest>() {
                                    @Override
                                    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
                                        var response = new DefaultFullHttpResponse(req.protocolVersion(),
                                                HttpResponseStatus.OK, Unpooled.copiedBuffer("http/1.1 peer\n",
                                                java.nio.charset.StandardCharsets.US_ASCII));
                                        response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH,
                                                response.content().readableBytes());
                                        ctx.writeAndFlush(response);
                                    }
                                });
                    }
                }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        closeables.add(() -> peer.close().sync());

        int client = clientSidecar(((InetSocketAddress) peer.localAddress()).getPort(), true);
        for (int i = 0; i < 3; i++) { // the first learns the peer's choice, the next ones use it at once
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + client + "/x"))
                    .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("http/1.1 peer\n");
        }
    }

    /** A server sidecar whose inbound listener requires mesh mTLS (STRICT) in front of {@code app}; its port. */
    private int strictServerSidecar(TestBackend app) throws Exception {
        MeshTlsContexts serverTls = MeshTlsContexts.of(workload("spiffe://cluster.local/ns/default/sa/server"));
        ProxyRuntime server = new ProxyRuntime(new DefaultClusterManager());
        closeables.add(server);
        server.useMeshTls(() -> serverTls);
        RouteTable inbound = new RouteTable("inbound", List.of(host("in", List.of("*"),
                route("all", prefix("/"), forward("app")))));
        ListenerConfig strict = new ListenerConfig("inbound", "127.0.0.1", 0, new HttpConnectionManagerConfig(
                "inbound", null, inbound, List.of("envoy.filters.http.router"), true), new DownstreamTls(false));
        server.apply(new ConfigSnapshot(Map.of(), Map.of("inbound", strict), Map.of(),
                Map.of("app", TestConfigs.staticCluster("app", app.port())), Map.of()));
        return server.listenerPort("inbound");
    }

    /** The SPIFFE ID of the next {@link #clientSidecar}'s certificate. */
    private String clientIdentity = "spiffe://cluster.local/ns/default/sa/client";

    /** A client sidecar whose cluster "peer" is one mesh-mTLS endpoint, declared HTTP/1.1 (or a sidecar: HTTP/2). */
    private int clientSidecar(int peerPort, boolean sidecarEndpoint) throws Exception {
        MeshTlsContexts clientTls = MeshTlsContexts.of(workload(clientIdentity));
        ProxyRuntime client = new ProxyRuntime(new DefaultClusterManager());
        closeables.add(client);
        client.useMeshTls(() -> clientTls);
        ClusterConfig peer = new ClusterConfig("peer", ClusterConfig.DiscoveryType.STATIC, null,
                new EndpointSet("peer", List.of(new Endpoint("127.0.0.1", peerPort, 1, true, sidecarEndpoint, Map.of()))),
                ClusterConfig.LbPolicy.ROUND_ROBIN, 0, Duration.ofSeconds(5), 0, false, new UpstreamTls("", List.of()));
        client.apply(snapshot(List.of(host("peer", List.of("*"), route("all", prefix("/"), forward("peer")))), peer));
        return client.listenerPort("outbound");
    }

    private static KeyPair newKeyPair() throws Exception {
        java.security.KeyPairGenerator g = java.security.KeyPairGenerator.getInstance("EC");
        g.initialize(new java.security.spec.ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    private WorkloadCertificate workload(String spiffeId) throws Exception {
        KeyPair keys = newKeyPair();
        X509Certificate leaf = cert(keys, rootKeys, root, "O=cluster.local", spiffeId, false);
        return new WorkloadCertificate(spiffeId, keys.getPrivate(), List.of(leaf), List.of(root), Instant.now());
    }

    private static X509Certificate cert(KeyPair subject, KeyPair issuerKeys, X509Certificate issuer, String name,
                                        String uriSan, boolean ca) throws Exception {
        Date notBefore = Date.from(Instant.now().minus(Duration.ofHours(1)));
        Date notAfter = Date.from(Instant.now().plus(Duration.ofHours(1)));
        var b = issuer == null
                ? new JcaX509v3CertificateBuilder(new X500Name(name), BigInteger.valueOf(System.nanoTime()),
                        notBefore, notAfter, new X500Name(name), subject.getPublic())
                : new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(System.nanoTime()),
                        notBefore, notAfter, new X500Name(name), subject.getPublic());
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
        if (uriSan != null) {
            b.addExtension(Extension.subjectAlternativeName, true,
                    new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, uriSan)));
        }
        return new JcaX509CertificateConverter().getCertificate(
                b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKeys.getPrivate())));
    }
}
