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

    @BeforeAll
    static void start() throws Exception {
        mesh = Mesh.create("tls-origination");
        Path pki = Files.createDirectories(mesh.workDir().resolve("pki"));
        Issued ca = selfSignedCa("Test CA");
        Issued otherCa = selfSignedCa("Other CA");
        Issued server = issue(ca, "external server", "simple.external.test", "wrongca.external.test",
                "mutual.external.test", "nocert.external.test");
        Issued clientCert = issue(ca, "mesh client", "client.example");
        write(pki.resolve("ca.pem"), ca.cert);
        write(pki.resolve("other-ca.pem"), otherCa.cert);
        write(pki.resolve("client.pem"), clientCert.cert);
        write(pki.resolve("client-key.pem"), clientCert.keys.getPrivate());
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
        mesh.writeConfig("external.yaml", yaml.toString());
        mesh.startControlPlane();
        client = mesh.addEchoWorkload("client", "client", "v1", 8080);
        mesh.awaitReady();
        MeshClient c = mesh.clientOf(client);
        await().atMost(Mesh.STARTUP).pollInterval(Duration.ofMillis(200))
                .until(() -> c.tryGet("simple.external.test:" + one, "/").status() == 200);
    }

    @AfterAll
    static void stop() {
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
        HttpsServer s = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
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
