package dev.weft.controlplane.ca;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The identity endpoints of the control plane's HTTP API.
 *
 * <ul>
 *   <li>{@code POST /v1/tokens?namespace=NS&serviceAccount=SA[&ttl=DURATION]}: a join token on one line. Only
 *       callers on the loopback interface may mint, even when the API is bound wider.</li>
 *   <li>{@code POST /v1/certificates}, body a PEM CSR: a certificate for the identity the caller proves, either
 *       {@code Authorization: Bearer <join token>} (bootstrap) or {@code Authorization: Weft-Cert <base64 PEM
 *       chain>} plus {@code X-Weft-Proof: <base64 signature of the CSR's DER by the current key>} (renewal, so a
 *       workload keeps its identity after its join token expires). Answers JSON {@code certificateChain},
 *       {@code trustBundle} (PEM), {@code spiffeId}, {@code notAfter}.</li>
 * </ul>
 * The API is plain HTTP: the token is short-lived and good only for CSRs, the response holds only public material,
 * and the API binds to loopback by default. Over a network the bootstrap should move to TLS (follow-up).
 */
public final class IdentityService {
    private static final Logger log = LoggerFactory.getLogger(IdentityService.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_BODY = 64 * 1024;
    static final Duration DEFAULT_TOKEN_TTL = Duration.ofHours(1);

    private final CertificateAuthority ca;
    private final JoinTokens tokens;
    private final CaMetrics metrics;

    public IdentityService(CertificateAuthority ca, JoinTokens tokens) {
        this.ca = ca;
        this.tokens = tokens;
        this.metrics = new CaMetrics(() -> ca);
    }

    /** Requests, issued certificates, failures by reason, issuance latency, root expiry. */
    public CaMetrics metrics() {
        return metrics;
    }

    public CertificateAuthority ca() {
        return ca;
    }

    public JoinTokens tokens() {
        return tokens;
    }

    public void handleTokens(HttpExchange ex) throws IOException {
        try (ex) {
            if (!"POST".equals(ex.getRequestMethod())) {
                reply(ex, 405, "text/plain", "use POST\n");
                return;
            }
            InetAddress remote = ex.getRemoteAddress().getAddress();
            if (!remote.isLoopbackAddress()) {
                reply(ex, 403, "text/plain", "join tokens are minted only for callers on this machine\n");
                return;
            }
            Map<String, String> q = query(ex.getRequestURI().getRawQuery());
            String ns = q.get("namespace");
            String sa = q.get("serviceAccount");
            if (ns == null || sa == null) {
                reply(ex, 400, "text/plain", "namespace and serviceAccount query parameters are required\n");
                return;
            }
            Duration ttl;
            try {
                ttl = q.containsKey("ttl") ? Durations.parse(q.get("ttl")) : DEFAULT_TOKEN_TTL;
                String token = tokens.mint(ns, sa, ttl);
                log.info("minted a join token for ns={} sa={} valid {}", ns, sa, ttl);
                reply(ex, 200, "text/plain", token + "\n");
            } catch (IllegalArgumentException | DateTimeParseException e) {
                reply(ex, 400, "text/plain", e.getMessage() + "\n");
            }
        }
    }

    public void handleCertificates(HttpExchange ex) throws IOException {
        try (ex) {
            if (!"POST".equals(ex.getRequestMethod())) {
                reply(ex, 405, "text/plain", "use POST\n");
                return;
            }
            long start = System.nanoTime();
            metrics.onRequest();
            String body;
            PKCS10CertificationRequest csr;
            try {
                body = readBody(ex.getRequestBody());
                csr = Pem.csr(body);
            } catch (IOException | RuntimeException e) {
                metrics.onFailure(CaMetrics.Failure.BAD_CSR);
                reply(ex, 400, "text/plain", "request body is not a PEM certificate request: " + e.getMessage() + "\n");
                return;
            }
            String auth = ex.getRequestHeaders().getFirst("Authorization");
            SpiffeId identity;
            try {
                identity = authenticate(auth, ex.getRequestHeaders().getFirst("X-Weft-Proof"), csr);
            } catch (InvalidTokenException e) {
                log.warn("certificate request from {} refused: {}", ex.getRemoteAddress(), e.getMessage());
                metrics.onFailure(CaMetrics.Failure.BAD_TOKEN);
                reply(ex, 401, "text/plain", e.getMessage() + "\n");
                return;
            }
            List<X509Certificate> chain;
            try {
                chain = ca.sign(csr, identity, ca.defaultTtl());
            } catch (CsrRejectedException e) {
                metrics.onFailure(CaMetrics.Failure.CSR_REJECTED);
                reply(ex, 400, "text/plain", e.getMessage() + "\n");
                return;
            }
            ObjectNode out = JSON.createObjectNode()
                    .put("spiffeId", identity.uri())
                    .put("notAfter", chain.getFirst().getNotAfter().toInstant().toString())
                    .put("certificateChain", Pem.encode(chain.toArray()))
                    .put("trustBundle", Pem.encode(ca.trustBundle().toArray()));
            metrics.onIssued(System.nanoTime() - start);
            log.info("issued a certificate for {} until {}", identity, chain.getFirst().getNotAfter().toInstant());
            reply(ex, 200, "application/json", out.toString());
        }
    }

    private SpiffeId authenticate(String auth, String proof, PKCS10CertificationRequest csr) throws InvalidTokenException {
        if (auth == null || auth.isBlank()) {
            throw new InvalidTokenException("missing join token: send Authorization: Bearer <token>");
        }
        if (auth.startsWith("Bearer ")) {
            JoinTokens.Grant grant = tokens.verify(auth.substring("Bearer ".length()));
            return new SpiffeId(ca.trustDomain(), grant.namespace(), grant.serviceAccount());
        }
        if (auth.startsWith("Weft-Cert ")) {
            return renewal(auth.substring("Weft-Cert ".length()).strip(), proof, csr);
        }
        throw new InvalidTokenException("unsupported Authorization scheme (expected Bearer or Weft-Cert)");
    }

    /** A renewal: the caller holds an unexpired certificate of ours and signs the new CSR with its key. */
    private SpiffeId renewal(String chainB64, String proof, PKCS10CertificationRequest csr) throws InvalidTokenException {
        List<X509Certificate> chain;
        try {
            chain = Pem.certificates(new String(Base64.getDecoder().decode(chainB64), StandardCharsets.US_ASCII));
        } catch (IOException | IllegalArgumentException e) {
            throw new InvalidTokenException("renewal: current certificate chain is unreadable");
        }
        try {
            ca.validate(chain);
        } catch (GeneralSecurityException e) {
            throw new InvalidTokenException("renewal: current certificate is not valid: " + e.getMessage());
        }
        if (proof == null) {
            throw new InvalidTokenException("renewal: missing X-Weft-Proof");
        }
        try {
            PublicKey key = chain.getFirst().getPublicKey();
            Signature sig = Signature.getInstance(key.getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA");
            sig.initVerify(key);
            sig.update(csr.getEncoded());
            if (!sig.verify(Base64.getDecoder().decode(proof.strip()))) {
                throw new InvalidTokenException("renewal: proof signature does not verify with the current certificate's key");
            }
        } catch (GeneralSecurityException | IOException | IllegalArgumentException e) {
            throw new InvalidTokenException("renewal: proof unreadable: " + e.getMessage());
        }
        return SpiffeIds.fromCertificate(chain.getFirst(), ca.trustDomain())
                .orElseThrow(() -> new InvalidTokenException("renewal: current certificate holds no SPIFFE ID of trust domain " + ca.trustDomain()));
    }

    private static String readBody(InputStream in) throws IOException {
        byte[] bytes = in.readNBytes(MAX_BODY + 1);
        if (bytes.length > MAX_BODY) {
            throw new IOException("request body over " + MAX_BODY + " bytes");
        }
        return new String(bytes, StandardCharsets.US_ASCII);
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> out = new HashMap<>();
        if (raw == null) {
            return out;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                out.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                        URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return out;
    }

    private static void reply(HttpExchange ex, int status, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", contentType);
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }
}
