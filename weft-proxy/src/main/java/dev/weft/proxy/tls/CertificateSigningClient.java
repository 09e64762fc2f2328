package dev.weft.proxy.tls;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.Proxy;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Asks the control plane's CA ({@code POST <caUrl>/v1/certificates}) for a certificate: generates a fresh P-256 key
 * pair, sends only the CSR, and authenticates with the join token (first time) or with the current certificate and
 * a signature of the new CSR by the current key (renewal). Blocking: call it off the event loops.
 */
public final class CertificateSigningClient {
    /** Jackson's streaming parser: the CA's answer is three strings, and databind is ~400 classes in every sidecar. */
    private static final JsonFactory JSON = new JsonFactory();
    private static final int CONNECT_TIMEOUT_MILLIS = 5_000;
    private static final int TIMEOUT_MILLIS = 10_000;
    private final URI endpoint;

    public CertificateSigningClient(URI caUrl) {
        String base = caUrl.toString().replaceAll("/+$", "");
        this.endpoint = URI.create(base + "/v1/certificates");
    }

    public WorkloadCertificate bootstrap(String joinToken) throws IOException {
        KeyPair keys = newKeyPair();
        String csr = csr(keys);
        return send(keys, csr, "Bearer " + joinToken.strip(), null);
    }

    public WorkloadCertificate renew(WorkloadCertificate current) throws IOException {
        KeyPair keys = newKeyPair();
        String csr = csr(keys);
        String chain = Base64.getEncoder().encodeToString(pem(current.chain().toArray()).getBytes(StandardCharsets.US_ASCII));
        try {
            Signature sig = Signature.getInstance(current.key().getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA");
            sig.initSign(current.key());
            sig.update(parseCsr(csr).getEncoded());
            return send(keys, csr, "Weft-Cert " + chain, Base64.getEncoder().encodeToString(sig.sign()));
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot sign the renewal proof: " + e.getMessage(), e);
        }
    }

    private WorkloadCertificate send(KeyPair keys, String csr, String authorization, String proof) throws IOException {
        // One request every few hours: HttpURLConnection, not the JDK's HttpClient (~280 classes and a selector
        // thread kept for the renewals in every mTLS sidecar). No proxy, as HttpClient's default; the connection is
        // closed after the answer (no keep-alive timer thread).
        int status;
        String answer;
        HttpURLConnection http = (HttpURLConnection) endpoint.toURL().openConnection(Proxy.NO_PROXY);
        try {
            http.setConnectTimeout(CONNECT_TIMEOUT_MILLIS);
            http.setReadTimeout(TIMEOUT_MILLIS);
            http.setRequestMethod("POST");
            http.setDoOutput(true);
            http.setRequestProperty("Authorization", authorization);
            http.setRequestProperty("Content-Type", "application/pkcs10");
            if (proof != null) {
                http.setRequestProperty("X-Weft-Proof", proof);
            }
            // not streamed (setFixedLengthStreamingMode): a streamed request's 401 comes without its body, the reason
            try (OutputStream out = http.getOutputStream()) {
                out.write(csr.getBytes(StandardCharsets.US_ASCII));
            }
            status = http.getResponseCode();
            try (InputStream in = status >= 400 ? http.getErrorStream() : http.getInputStream()) {
                answer = in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
        } catch (IOException e) {
            throw new CertificateRequestException("cannot reach the CA at " + endpoint + ": " + e, e);
        } finally {
            http.disconnect();
        }
        if (status != 200) {
            throw new CertificateRequestException("the CA at " + endpoint + " refused the certificate request ("
                    + status + "): " + answer.strip());
        }
        java.util.Map<String, String> body = topLevelStrings(answer);
        List<X509Certificate> chain = certificates(body.getOrDefault("certificateChain", ""));
        List<X509Certificate> bundle = certificates(body.getOrDefault("trustBundle", ""));
        if (!chain.getFirst().getPublicKey().equals(keys.getPublic())) {
            throw new CertificateRequestException("the CA returned a certificate for another key");
        }
        return new WorkloadCertificate(body.getOrDefault("spiffeId", ""), keys.getPrivate(), chain, bundle,
                java.time.Instant.now());
    }

    /** The string members of a JSON object (nested values are skipped). */
    static java.util.Map<String, String> topLevelStrings(String json) throws IOException {
        java.util.Map<String, String> out = new java.util.HashMap<>();
        try (JsonParser p = JSON.createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new CertificateRequestException("the CA's answer is not a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                if (p.nextToken() == JsonToken.VALUE_STRING) {
                    out.put(name, p.getText());
                } else {
                    p.skipChildren();
                }
            }
        }
        return out;
    }

    static KeyPair newKeyPair() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("EC P-256 unavailable", e);
        }
    }

    private static String csr(KeyPair keys) throws IOException {
        try {
            PKCS10CertificationRequest csr = new JcaPKCS10CertificationRequestBuilder(new X500Name("O=weft"), keys.getPublic())
                    .build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate()));
            return pem(csr);
        } catch (org.bouncycastle.operator.OperatorCreationException e) {
            throw new IOException("cannot build a CSR: " + e.getMessage(), e);
        }
    }

    private static PKCS10CertificationRequest parseCsr(String pem) throws IOException {
        try (PEMParser p = new PEMParser(new StringReader(pem))) {
            return (PKCS10CertificationRequest) p.readObject();
        }
    }

    static String pem(Object... objects) {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(out)) {
            for (Object o : objects) {
                w.writeObject(o);
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out.toString();
    }

    static List<X509Certificate> certificates(String pem) throws IOException {
        List<X509Certificate> out = new ArrayList<>();
        try (PEMParser p = new PEMParser(new StringReader(pem))) {
            Object o;
            while ((o = p.readObject()) != null) {
                if (o instanceof X509CertificateHolder h) {
                    out.add(new JcaX509CertificateConverter().getCertificate(h));
                }
            }
        } catch (java.security.cert.CertificateException e) {
            throw new CertificateRequestException("the CA returned an unreadable certificate: " + e.getMessage(), e);
        }
        if (out.isEmpty()) {
            throw new CertificateRequestException("the CA returned no certificate");
        }
        return out;
    }
}
