package dev.weft.proxy.tls;

import dev.weft.dataplane.tls.UpstreamTls;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.Future;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Real TLS 1.3 handshakes over loopback sockets with the contexts sidecars use: the good case, and every
 * certificate a peer must not get away with (expired, from another root, wrong SPIFFE ID, no client certificate).
 */
class MeshTlsHandshakeTest {
    private static final String GOOD = "spiffe://cluster.local/ns/default/sa/payments";
    private static final UpstreamTls EXPECT_PAYMENTS = new UpstreamTls("", List.of(new UpstreamTls.SanMatcher(GOOD, false)));
    private static EventLoopGroup group;
    private static KeyPair rootKeys;
    private static X509Certificate root;
    private static KeyPair otherRootKeys;
    private static X509Certificate otherRoot;

    @BeforeAll
    static void setUp() throws Exception {
        group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        rootKeys = CertificateSigningClient.newKeyPair();
        root = cert(rootKeys, rootKeys, null, "CN=root", null, Instant.now().plus(Duration.ofDays(1)), true);
        otherRootKeys = CertificateSigningClient.newKeyPair();
        otherRoot = cert(otherRootKeys, otherRootKeys, null, "CN=other", null, Instant.now().plus(Duration.ofDays(1)), true);
    }

    @AfterAll
    static void tearDown() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    @Test
    void aPeerWithTheExpectedIdentityCompletesTheHandshakeOverTls13() throws Exception {
        Result r = handshake(workload(GOOD, rootKeys, root, Instant.now().plusSeconds(600)), client(), EXPECT_PAYMENTS);
        assertThat(r.clientError).isNull();
        assertThat(r.protocol).isEqualTo("TLSv1.3");
        assertThat(r.serverSawPeer).isEqualTo("spiffe://cluster.local/ns/default/sa/frontend");
        // both ends are BoringSSL (netty-tcnative's OpenSSL provider), not the JDK's TLS, and the server saw TLS 1.3
        // with the client's certificate
        assertThat(OpenSsl.isAvailable()).isTrue();
        assertThat(OpenSsl.versionString()).containsIgnoringCase("BoringSSL");
        assertThat(r.clientEngine).contains("OpenSslEngine");
        assertThat(r.serverEngine).contains("OpenSslEngine");
        assertThat(r.serverProtocol).isEqualTo("TLSv1.3");
    }

    @Test
    void aClientOfferingOnlyTls12IsRefusedByTheServer() throws Exception {
        WorkloadCertificate c = client();
        Result r = handshake(workload(GOOD, rootKeys, root, Instant.now().plusSeconds(600)),
                rawClient(c.key(), c.chain(), "TLSv1.2"));
        assertThat(r.clientError).isNotNull();
        assertThat(r.serverSawPeer).isNull();
    }

    @Test
    void anExpiredClientCertificateIsRefusedByTheServer() throws Exception {
        WorkloadCertificate expired = workload("spiffe://cluster.local/ns/default/sa/frontend", rootKeys, root,
                Instant.now().minusSeconds(5));
        Result r = handshake(workload(GOOD, rootKeys, root, Instant.now().plusSeconds(600)),
                rawClient(expired.key(), expired.chain(), "TLSv1.3"));
        assertThat(r.serverError).isNotNull();
        assertThat(r.serverError.toLowerCase()).contains("expired");
        assertThat(r.serverSawPeer).isNull();
    }

    @Test
    void aClientCertificateOfTheMeshRootWithoutAMeshIdentityIsRefusedByTheServer() throws Exception {
        // signed by the mesh root (an operator root may sign other certificates), but not a workload of this trust domain
        for (String san : new String[]{"spiffe://other.example/ns/default/sa/frontend", null}) {
            KeyPair keys = CertificateSigningClient.newKeyPair();
            X509Certificate leaf = cert(keys, rootKeys, root, "CN=not-a-workload", san,
                    Instant.now().plusSeconds(600), false);
            Result r = handshake(workload(GOOD, rootKeys, root, Instant.now().plusSeconds(600)),
                    rawClient(keys.getPrivate(), List.of(leaf), "TLSv1.3"));
            assertThat(r.serverError).as("client SAN %s", san).contains("holds no SPIFFE ID of trust domain");
            assertThat(r.serverSawPeer).isNull();
        }
    }

    @Test
    void aServerWithAnotherIdentityIsRefusedBeforeAnyByteIsSent() throws Exception {
        Result r = handshake(workload("spiffe://cluster.local/ns/default/sa/impostor", rootKeys, root,
                Instant.now().plusSeconds(600)), client(), EXPECT_PAYMENTS);
        assertThat(r.clientError).contains("impostor").contains("not accepted");
    }

    @Test
    void anExpiredServerCertificateIsRefused() throws Exception {
        Result r = handshake(workload(GOOD, rootKeys, root, Instant.now().minusSeconds(5)), client(), EXPECT_PAYMENTS);
        assertThat(r.clientError).isNotNull();
        assertThat(r.clientError.toLowerCase()).contains("expired");
    }

    @Test
    void aServerCertificateFromAnUntrustedRootIsRefused() throws Exception {
        Result r = handshake(workload(GOOD, otherRootKeys, otherRoot, Instant.now().plusSeconds(600)), client(), EXPECT_PAYMENTS);
        assertThat(r.clientError).isNotNull();
    }

    @Test
    void aClientCertificateFromAnUntrustedRootIsRefusedByTheServer() throws Exception {
        WorkloadCertificate rogue = workload("spiffe://cluster.local/ns/default/sa/frontend", otherRootKeys, otherRoot,
                Instant.now().plusSeconds(600));
        // the rogue client trusts our root, so only the server's check can stop it
        WorkloadCertificate rogueTrustingUs = new WorkloadCertificate(rogue.spiffeId(), rogue.key(), rogue.chain(),
                List.of(root), Instant.now());
        Result r = handshake(workload(GOOD, rootKeys, root, Instant.now().plusSeconds(600)), rogueTrustingUs, EXPECT_PAYMENTS);
        assertThat(r.serverError).isNotNull();
        assertThat(r.serverSawPeer).isNull();
    }

    // ---- harness

    private static WorkloadCertificate client() throws Exception {
        return workload("spiffe://cluster.local/ns/default/sa/frontend", rootKeys, root, Instant.now().plusSeconds(600));
    }

    private static WorkloadCertificate workload(String spiffeId, KeyPair issuerKeys, X509Certificate issuer, Instant notAfter)
            throws Exception {
        KeyPair keys = CertificateSigningClient.newKeyPair();
        X509Certificate leaf = cert(keys, issuerKeys, issuer, "O=cluster.local", spiffeId, notAfter, false);
        return new WorkloadCertificate(spiffeId, keys.getPrivate(), List.of(leaf), List.of(root), Instant.now());
    }

    private static X509Certificate cert(KeyPair subject, KeyPair issuerKeys, X509Certificate issuer, String name,
                                        String uriSan, Instant notAfter, boolean ca) throws Exception {
        Instant notBefore = Instant.now().minus(Duration.ofHours(1));
        var b = issuer == null
                ? new JcaX509v3CertificateBuilder(new X500Name(name), BigInteger.valueOf(System.nanoTime()),
                        Date.from(notBefore), Date.from(notAfter), new X500Name(name), subject.getPublic())
                : new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(System.nanoTime()),
                        Date.from(notBefore), Date.from(notAfter), new X500Name(name), subject.getPublic());
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
        if (uriSan != null) {
            b.addExtension(Extension.subjectAlternativeName, true,
                    new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, uriSan)));
        }
        return new JcaX509CertificateConverter().getCertificate(
                b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKeys.getPrivate())));
    }

    private record Result(String clientError, String serverError, String protocol, String serverSawPeer,
                          String clientEngine, String serverEngine, String serverProtocol) {}

    /** A client that presents {@code chain} and trusts any server: only the server's checks stand in its way. */
    private static io.netty.handler.ssl.SslContext rawClient(java.security.PrivateKey key, List<X509Certificate> chain,
                                                             String protocol) throws Exception {
        return io.netty.handler.ssl.SslContextBuilder.forClient()
                .sslProvider(io.netty.handler.ssl.SslProvider.OPENSSL)
                .protocols(protocol)
                .keyManager(key, chain.toArray(X509Certificate[]::new))
                .trustManager(io.netty.handler.ssl.util.InsecureTrustManagerFactory.INSTANCE)
                .build();
    }

    private static Result handshake(WorkloadCertificate server, WorkloadCertificate client, UpstreamTls rule) throws Exception {
        return handshake(server, MeshTlsContexts.of(client).clientFor(rule));
    }

    private static Result handshake(WorkloadCertificate server, io.netty.handler.ssl.SslContext clientContext)
            throws Exception {
        MeshTlsContexts serverContexts = MeshTlsContexts.of(server);
        SslHandler[] serverHandler = new SslHandler[1];
        Channel listener = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        serverHandler[0] = serverContexts.server().newHandler(ch.alloc());
                        ch.pipeline().addLast(serverHandler[0]);
                    }
                }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        try {
            int port = ((InetSocketAddress) listener.localAddress()).getPort();
            SslHandler clientHandler = clientContext.newHandler(
                    io.netty.buffer.ByteBufAllocator.DEFAULT, "127.0.0.1", port);
            Channel ch = new Bootstrap().group(group).channel(NioSocketChannel.class)
                    .handler(clientHandler).connect("127.0.0.1", port).sync().channel();
            Future<Channel> done = clientHandler.handshakeFuture().await();
            String clientError = done.isSuccess() ? null : String.valueOf(causeChain(done.cause()));
            String protocol = done.isSuccess() ? clientHandler.engine().getSession().getProtocol() : null;
            // the server side finishes its own view of the handshake shortly after
            String serverError = null;
            String peer = null;
            String serverProtocol = null;
            for (int i = 0; i < 50 && serverHandler[0] == null; i++) {
                Thread.sleep(10);
            }
            if (serverHandler[0] != null) {
                Future<Channel> s = serverHandler[0].handshakeFuture().await(5, TimeUnit.SECONDS) ? serverHandler[0].handshakeFuture() : null;
                if (s != null && s.isSuccess()) {
                    peer = PeerIdentity.spiffeId(serverHandler[0].engine().getSession());
                    serverProtocol = serverHandler[0].engine().getSession().getProtocol();
                } else {
                    serverError = s == null ? "no handshake" : causeChain(s.cause());
                }
            }
            ch.close().sync();
            return new Result(clientError, serverError, protocol, peer, clientHandler.engine().getClass().getName(),
                    serverHandler[0] == null ? null : serverHandler[0].engine().getClass().getName(), serverProtocol);
        } finally {
            listener.close().sync();
        }
    }

    private static String causeChain(Throwable t) {
        StringBuilder sb = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            sb.append(c).append(" | ");
        }
        return sb.toString();
    }
}
