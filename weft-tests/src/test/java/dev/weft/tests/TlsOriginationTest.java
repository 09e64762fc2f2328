package dev.weft.tests;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import dev.weft.tests.harness.Mesh;
import dev.weft.tests.harness.MeshClient;
import dev.weft.tests.harness.Reply;
import dev.weft.tests.harness.Workload;
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
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
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

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * DestinationRule {@code tls} SIMPLE and MUTUAL through real processes: an app calls plaintext URLs of ServiceEntry
 * hosts through its sidecar, which originates TLS to HTTPS servers the test runs with its own CA. SIMPLE verifies
 * the server (trusting another CA: 503 {@code UF} with the TLS error); MUTUAL should present the client certificate
 * to a server that requires one (without it: 503).
 */
class TlsOriginationTest {
    private static Mesh mesh;
    private static Workload client;
    private static HttpsServer oneWay;
    private static HttpsServer mutual;
    private static TlsLineServer tcpServer;
    /** The client sidecar's tcp_proxy listeners: TLS-originating to tcpServer, and one trusting another CA. */
    private static int tcpMutualPort;
    private static int tcpWrongCaPort;

    @BeforeAll
    static void start() throws Exception {
        mesh = Mesh.create("tls-origination");
        Path pki = Files.createDirectories(mesh.workDir().resolve("pki"));
        Issued ca = selfSignedCa("Test CA");
        Issued otherCa = selfSignedCa("Other CA");
        Issued server = issue(ca, "external server", "simple.external.test", "wrongca.external.test",
                "mutual.external.test", "nocert.external.test", "tcp-mutual.external.test", "tcp-wrongca.external.test");
        Issued clientCert = issue(ca, "mesh client", "client.example");
        write(pki.resolve("ca.pem"), ca.cert);
        write(pki.resolve("other-ca.pem"), otherCa.cert);
        write(pki.resolve("client.pem"), clientCert.cert);
        write(pki.resolve("client-key.pem"), clientCert.keys.getPrivate());
        tcpServer = TlsLineServer.start(sslContext(server, ca));
        oneWay = https(server, ca, false);
        mutual = https(server, ca, true);
        int one = oneWay.getAddress().getPort();
        int two = mutual.getAddress().getPort();
        StringBuilder yaml = new StringBuilder();
        String[][] hosts = {{"simple", "" + one, "SIMPLE", "caCertificates: " + pki.resolve("ca.pem")},
                {"wrongca", "" + one, "SIMPLE", "caCertificates: " + pki.resolve("other-ca.pem")},
                {"mutual", "" + two, "MUTUAL", "caCertificates: " + pki.resolve("ca.pem") + "\n      clientCertificate: "
                        + pki.resolve("client.pem") + "\n      privateKey: " + pki.resolve("client-key.pem")},
                {"nocert", "" + two, "SIMPLE", "caCertificates: " + pki.resolve("ca.pem")}};
        for (String[] h : hosts) {
            yaml.append("""
                    apiVersion: networking.istio.io/v1
                    kind: ServiceEntry
                    metadata: {name: %1$s}
                    spec:
                      hosts: [%1$s.external.test]
                      ports: [{number: %2$s, name: http, protocol: HTTP}]
                      resolution: STATIC
                      endpoints: [{address: 127.0.0.1}]
                    ---
                    apiVersion: networking.istio.io/v1
                    kind: DestinationRule
                    metadata: {name: %1$s}
                    spec:
                      host: %1$s.external.test
                      trafficPolicy:
                        tls:
                          mode: %3$s
                          %4$s
                    ---
                    """.formatted(h[0], h[1], h[2], h[3]));
        }
        // opaque TCP (tcp_proxy listeners bound with --upstream): MUTUAL to a TLS server requiring a client certificate
        String[][] tcpHosts = {{"tcp-mutual", "MUTUAL", "caCertificates: " + pki.resolve("ca.pem")
                + "\n      clientCertificate: " + pki.resolve("client.pem") + "\n      privateKey: " + pki.resolve("client-key.pem")},
                {"tcp-wrongca", "MUTUAL", "caCertificates: " + pki.resolve("other-ca.pem")
                        + "\n      clientCertificate: " + pki.resolve("client.pem") + "\n      privateKey: " + pki.resolve("client-key.pem")}};
        for (String[] h : tcpHosts) {
            yaml.append("""
                    apiVersion: networking.istio.io/v1
                    kind: ServiceEntry
                    metadata: {name: %1$s}
                    spec:
                      hosts: [%1$s.external.test]
                      ports: [{number: %2$d, name: tcp, protocol: TCP}]
                      resolution: STATIC
                      endpoints: [{address: 127.0.0.1}]
                    ---
                    apiVersion: networking.istio.io/v1
                    kind: DestinationRule
                    metadata: {name: %1$s}
                    spec:
                      host: %1$s.external.test
                      trafficPolicy:
                        tls:
                          mode: %3$s
                          %4$s
                    ---
                    """.formatted(h[0], tcpServer.port(), h[1], h[2]));
        }
        mesh.writeConfig("external.yaml", yaml.toString());
        mesh.startControlPlane();
        tcpMutualPort = dev.weft.cli.launch.FreePorts.next();
        tcpWrongCaPort = dev.weft.cli.launch.FreePorts.next();
        client = mesh.addEchoWorkload("client", "client", "v1", 8080,
                "tcp-mutual.external.test=" + tcpMutualPort, "tcp-wrongca.external.test=" + tcpWrongCaPort);
        mesh.awaitReady();
        MeshClient c = mesh.clientOf(client);
        await().atMost(Mesh.STARTUP).pollInterval(Duration.ofMillis(200))
                .until(() -> c.tryGet("simple.external.test:" + one, "/").status() == 200);
    }

    @AfterAll
    static void stop() throws Exception {
        if (tcpServer != null) {
            tcpServer.close();
        }
        if (oneWay != null) {
            oneWay.stop(0);
        }
        if (mutual != null) {
            mutual.stop(0);
        }
        if (mesh != null) {
            mesh.close();
        }
    }

    @Test
    void simpleVerifiesTheServerAgainstTheGivenCa() throws Exception {
        MeshClient c = mesh.clientOf(client);
        int port = oneWay.getAddress().getPort();
        Reply ok = c.get("simple.external.test:" + port, "/hello");
        assertThat(ok.status()).isEqualTo(200);
        assertThat(ok.body()).isEqualTo("tls ok, client certificate: none");
        Reply untrusted = c.get("wrongca.external.test:" + port, "/hello");
        assertThat(untrusted.status()).isEqualTo(503);
        assertThat(untrusted.header("x-weft-response-flags")).isEqualTo("UF");
        assertThat(untrusted.body()).contains("TLS error");
    }

    @Test
    void mutualPresentsTheClientCertificate() throws Exception {
        MeshClient c = mesh.clientOf(client);
        int port = mutual.getAddress().getPort();
        // the first client-authenticated handshake is slow on a cold, loaded machine (seconds: the JDK server runs it on
        // its one dispatcher thread, where retried handshakes queue) and can outlast the client's 5 s request timeout
        await().atMost(Mesh.STARTUP).pollInterval(Duration.ofMillis(200))
                .until(() -> c.tryGet("mutual.external.test:" + port, "/").status() == 200);
        for (int i = 0; i < 3; i++) {
            Reply ok = c.get("mutual.external.test:" + port, "/hello");
            assertThat(ok.status()).isEqualTo(200);
            assertThat(ok.body()).isEqualTo("tls ok, client certificate: CN=mesh client");
        }
        Reply refused = c.get("nocert.external.test:" + port, "/hello");
        assertThat(refused.status()).isEqualTo(503);
        assertThat(refused.header("x-weft-response-flags")).isEqualTo("UF");
    }

    @Test
    void tcpProxyOriginatesMutualTlsAndRefusesAnUntrustedServer() throws Exception {
        // the app speaks plaintext to its sidecar's tcp_proxy port; the sidecar speaks TLS with its client certificate
        String reply = await().atMost(Mesh.STARTUP).pollInterval(Duration.ofMillis(200))
                .until(() -> lineExchange(tcpMutualPort, "ping"), r -> !r.isEmpty());
        assertThat(reply).isEqualTo("ping over TLS, client certificate: CN=mesh client\n");
        // a server the DestinationRule's CA does not vouch for never sees the bytes: the connection just closes
        int handledBefore = tcpServer.lines();
        assertThat(lineExchange(tcpWrongCaPort, "secret")).isEmpty();
        assertThat(tcpServer.lines()).isEqualTo(handledBefore);
    }

    /** Sends one line to a loopback port and returns all that comes back until the peer closes ("" when refused). */
    private static String lineExchange(int port, String line) {
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write((line + "\n").getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        } catch (java.io.IOException e) {
            return "";
        }
    }

    /**
     * A TLS server requiring a client certificate from the test CA: answers one line per connection with the line and
     * the client certificate's subject, then closes.
     */
    private static final class TlsLineServer implements AutoCloseable {
        private final javax.net.ssl.SSLServerSocket server;
        private final java.util.concurrent.atomic.AtomicInteger lines = new java.util.concurrent.atomic.AtomicInteger();

        private TlsLineServer(javax.net.ssl.SSLServerSocket server) {
            this.server = server;
        }

        static TlsLineServer start(SSLContext ssl) throws Exception {
            var socket = (javax.net.ssl.SSLServerSocket) ssl.getServerSocketFactory()
                    .createServerSocket(0, 16, java.net.InetAddress.getLoopbackAddress());
            socket.setNeedClientAuth(true);
            TlsLineServer s = new TlsLineServer(socket);
            Thread.ofVirtual().start(s::serve);
            return s;
        }

        int port() {
            return server.getLocalPort();
        }

        int lines() {
            return lines.get();
        }

        private void serve() {
            while (!server.isClosed()) {
                try {
                    var c = (javax.net.ssl.SSLSocket) server.accept();
                    Thread.ofVirtual().start(() -> {
                        try (c) {
                            c.setSoTimeout(10_000);
                            String line = new java.io.BufferedReader(new java.io.InputStreamReader(c.getInputStream(),
                                    StandardCharsets.US_ASCII)).readLine();
                            String peer = ((X509Certificate) c.getSession().getPeerCertificates()[0])
                                    .getSubjectX500Principal().getName();
                            lines.incrementAndGet();
                            c.getOutputStream().write((line + " over TLS, client certificate: " + peer + "\n")
                                    .getBytes(StandardCharsets.US_ASCII));
                            c.getOutputStream().flush();
                        } catch (java.io.IOException ignored) {
                            // a refused handshake or a client that went away
                        }
                    });
                } catch (java.io.IOException closed) {
                    return;
                }
            }
        }

        @Override
        public void close() throws java.io.IOException {
            server.close();
        }
    }

    // ---- a small PKI and HTTPS servers

    private record Issued(KeyPair keys, X509Certificate cert) {}

    private static Issued selfSignedCa(String cn) throws Exception {
        KeyPair keys = rsa();
        var b = new JcaX509v3CertificateBuilder(new X500Name("CN=" + cn), BigInteger.valueOf(System.nanoTime()),
                Date.from(Instant.now().minusSeconds(60)), Date.from(Instant.now().plusSeconds(3600)),
                new X500Name("CN=" + cn), keys.getPublic());
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        return new Issued(keys, sign(b, keys));
    }

    private static Issued issue(Issued ca, String cn, String... dnsNames) throws Exception {
        KeyPair keys = rsa();
        var b = new JcaX509v3CertificateBuilder(ca.cert, BigInteger.valueOf(System.nanoTime()),
                Date.from(Instant.now().minusSeconds(60)), Date.from(Instant.now().plusSeconds(3600)),
                new X500Name("CN=" + cn), keys.getPublic());
        GeneralName[] names = new GeneralName[dnsNames.length];
        for (int i = 0; i < dnsNames.length; i++) {
            names[i] = new GeneralName(GeneralName.dNSName, dnsNames[i]);
        }
        b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names));
        return new Issued(keys, sign(b, ca.keys));
    }

    private static X509Certificate sign(JcaX509v3CertificateBuilder b, KeyPair signer) throws Exception {
        return new JcaX509CertificateConverter().getCertificate(
                b.build(new JcaContentSignerBuilder("SHA256withRSA").build(signer.getPrivate())));
    }

    private static KeyPair rsa() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        return g.generateKeyPair();
    }

    private static void write(Path file, Object pemObject) throws Exception {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(out)) {
            // a private key as PKCS#8 ("BEGIN PRIVATE KEY"), the form the sidecar reads
            w.writeObject(pemObject instanceof java.security.PrivateKey k
                    ? new org.bouncycastle.util.io.pem.PemObject("PRIVATE KEY", k.getEncoded()) : pemObject);
        }
        Files.writeString(file, out.toString(), StandardCharsets.US_ASCII);
    }

    private static HttpsServer https(Issued server, Issued ca, boolean requireClientCert) throws Exception {
        SSLContext ssl = sslContext(server, ca);
        HttpsServer s = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        return configure(s, ssl, requireClientCert);
    }

    /** Presents {@code server}'s certificate and trusts {@code ca} for client certificates. */
    private static SSLContext sslContext(Issued server, Issued ca) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("server", server.keys.getPrivate(), new char[0], new X509Certificate[]{server.cert, ca.cert});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, new char[0]);
        KeyStore ts = KeyStore.getInstance("PKCS12");
        ts.load(null, null);
        ts.setCertificateEntry("ca", ca.cert);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ts);
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return ssl;
    }

    private static HttpsServer configure(HttpsServer s, SSLContext ssl, boolean requireClientCert) {
        s.setHttpsConfigurator(new HttpsConfigurator(ssl) {
            @Override
            public void configure(HttpsParameters params) {
                var p = ssl.getDefaultSSLParameters();
                p.setNeedClientAuth(requireClientCert);
                if (requireClientCert) {
                    // the JDK's HttpsServer stalls on TLS 1.3 client authentication; 1.2 also covers the older protocol
                    p.setProtocols(new String[]{"TLSv1.2"});
                }
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
            byte[] body = ("tls ok, client certificate: " + peer).getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        // exchanges (and the blocking TLS handshakes of sun.net.httpserver's SSL streams) off the single dispatcher
        // thread, so one stalled handshake does not hold every other connection of the server
        s.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        s.start();
        return s;
    }
}
