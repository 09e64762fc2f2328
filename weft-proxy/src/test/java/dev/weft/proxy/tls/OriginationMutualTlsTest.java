package dev.weft.proxy.tls;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import dev.weft.dataplane.tls.TlsOrigination;
import dev.weft.dataplane.tls.UpstreamTls;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslHandler;
import java.io.StringWriter;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * MUTUAL origination over real loopback sockets: the client context built from PEM files presents its certificate
 * to a JDK HTTPS server that requires one (TLS 1.2), for two requests on one connection after the handshake, as
 * the upstream pool sends them.
 */
class OriginationMutualTlsTest {
    @TempDir
    static Path dir;
    private static EventLoopGroup group;
    private static HttpsServer server;
    private static Path caFile;
    private static Path certFile;
    private static Path keyFile;

    @BeforeAll
    static void start() throws Exception {
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        KeyPair caKeys = rsa();
        X509Certificate ca = cert(caKeys, "CN=Test CA", caKeys, null, true);
        KeyPair serverKeys = rsa();
        X509Certificate serverCert = cert(serverKeys, "CN=server", caKeys, ca, false, "server.test");
        KeyPair clientKeys = rsa();
        X509Certificate clientCert = cert(clientKeys, "CN=mesh client", caKeys, ca, false, "client.test");
        caFile = write(dir.resolve("ca.pem"), ca);
        certFile = write(dir.resolve("client.pem"), clientCert);
        keyFile = write(dir.resolve("client-key.pem"),
                new org.bouncycastle.util.io.pem.PemObject("PRIVATE KEY", clientKeys.getPrivate().getEncoded()));
        server = https(serverKeys, serverCert, ca);
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            server.stop(0);
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    @Test
    void presentsTheClientCertificateToAJdkServerThatRequiresOne() throws Exception {
        TlsOrigination o = new TlsOrigination(certFile.toString(), keyFile.toString(), caFile.toString(),
                List.of(new TlsOrigination.SanName(TlsOrigination.SanName.Type.DNS, "server.test",
                        TlsOrigination.SanName.Match.EXACT)));
        for (int i = 0; i < 3; i++) { // a fresh connection each time (session resumption after the first)
            assertThat(get(UpstreamTls.originating("server.test", o)))
                    .contains("HTTP/1.1 200 OK").contains("client certificate: CN=mesh client");
        }
    }

    private static String get(UpstreamTls tls) throws Exception {
        var ctx = OriginationTlsContexts.clientFor(tls);
        CompletableFuture<String> response = new CompletableFuture<>();
        StringBuilder body = new StringBuilder();
        int port = server.getAddress().getPort();
        Channel ch = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel c) {
                        c.pipeline().addLast(ctx.newHandler(c.alloc(), "server.test", port));
                        c.pipeline().addLast(new SimpleChannelInboundHandler<ByteBuf>() {
                            @Override
                            protected void channelRead0(ChannelHandlerContext x, ByteBuf msg) {
                                body.append(msg.toString(StandardCharsets.UTF_8));
                            }

                            @Override
                            public void channelInactive(ChannelHandlerContext x) {
                                response.complete(body.toString());
                            }

                            @Override
                            public void exceptionCaught(ChannelHandlerContext x, Throwable cause) {
                                response.completeExceptionally(cause);
                            }
                        });
                    }
                }).connect(new InetSocketAddress("127.0.0.1", port)).sync().channel();
        ch.pipeline().get(SslHandler.class).handshakeFuture().addListener(f -> {
            if (!f.isSuccess()) {
                response.completeExceptionally(f.cause());
            }
        });
        ch.pipeline().get(SslHandler.class).handshakeFuture().sync(); // as the upstream pool: request after the handshake
        ch.writeAndFlush(Unpooled.copiedBuffer("GET / HTTP/1.1\r\nHost: server.test\r\n\r\n",
                StandardCharsets.US_ASCII));
        Thread.sleep(300); // keep-alive: a second request on the same connection, as the pool reuses it
        ch.writeAndFlush(Unpooled.copiedBuffer("GET / HTTP/1.1\r\nHost: server.test\r\nConnection: close\r\n\r\n",
                StandardCharsets.US_ASCII));
        try {
            return response.get(30, TimeUnit.SECONDS);
        } finally {
            ch.close();
        }
    }

    private static HttpsServer https(KeyPair keys, X509Certificate cert, X509Certificate ca) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("server", keys.getPrivate(), new char[0], new X509Certificate[]{cert, ca});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, new char[0]);
        KeyStore ts = KeyStore.getInstance("PKCS12");
        ts.load(null, null);
        ts.setCertificateEntry("ca", ca);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ts);
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        HttpsServer s = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        s.setHttpsConfigurator(new HttpsConfigurator(ssl) {
            @Override
            public void configure(HttpsParameters params) {
                var p = ssl.getDefaultSSLParameters();
                p.setNeedClientAuth(true);
                p.setProtocols(new String[]{"TLSv1.2"});
                params.setSSLParameters(p);
            }
        });
        s.createContext("/", exchange -> {
            String peer;
            try {
                var chain = ((com.sun.net.httpserver.HttpsExchange) exchange).getSSLSession().getPeerCertificates();
                peer = ((X509Certificate) chain[0]).getSubjectX500Principal().getName();
            } catch (javax.net.ssl.SSLPeerUnverifiedException e) {
                peer = "none";
            }
            byte[] b = ("client certificate: " + peer).getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, b.length);
            exchange.getResponseBody().write(b);
            exchange.close();
        });
        s.start();
        return s;
    }

    private static KeyPair rsa() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        return g.generateKeyPair();
    }

    private static X509Certificate cert(KeyPair subject, String dn, KeyPair signer, X509Certificate issuer, boolean isCa,
                                        String... dns) throws Exception {
        var b = new JcaX509v3CertificateBuilder(issuer == null ? new X500Name(dn)
                : X500Name.getInstance(issuer.getSubjectX500Principal().getEncoded()),
                BigInteger.valueOf(System.nanoTime()), Date.from(Instant.now().minusSeconds(60)),
                Date.from(Instant.now().plusSeconds(3600)), new X500Name(dn), subject.getPublic());
        if (isCa) {
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        }
        if (dns.length > 0) {
            GeneralName[] names = new GeneralName[dns.length];
            for (int i = 0; i < dns.length; i++) {
                names[i] = new GeneralName(GeneralName.dNSName, dns[i]);
            }
            b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names));
        }
        return new JcaX509CertificateConverter().getCertificate(
                b.build(new JcaContentSignerBuilder("SHA256withRSA").build(signer.getPrivate())));
    }

    private static Path write(Path file, Object pem) throws Exception {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(out)) {
            w.writeObject(pem);
        }
        Files.writeString(file, out.toString(), StandardCharsets.US_ASCII);
        return file;
    }
}
