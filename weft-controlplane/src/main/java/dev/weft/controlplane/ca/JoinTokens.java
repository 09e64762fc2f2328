package dev.weft.controlplane.ca;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;

/**
 * Join tokens for embedded mode (DESIGN.md §6): {@code weft.<payload>.<mac>}, where the payload is base64url JSON
 * {@code {"aud":"weft-csr","ns":..,"sa":..,"exp":..,"jti":..}} and the MAC is HMAC-SHA256 under a key only the
 * control plane holds ({@code <dataDir>/ca/token-key}, 0600, created on first start). A token names exactly one
 * identity and is good only for certificate requests until it expires; HMAC is enough because the control plane
 * is both the only minter and the only verifier.
 */
public final class JoinTokens {
    static final String KEY_FILE = "token-key";
    static final String AUDIENCE = "weft-csr";
    private static final String PREFIX = "weft.";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder B64D = Base64.getUrlDecoder();

    private final byte[] key;
    private final Clock clock;

    JoinTokens(byte[] key, Clock clock) {
        this.key = key.clone();
        this.clock = clock;
    }

    /** Loads the MAC key from {@code caDir}, creating it on first use. */
    public static JoinTokens loadOrCreate(Path caDir) throws IOException {
        Path file = caDir.resolve(KEY_FILE);
        byte[] key;
        if (Files.exists(file)) {
            key = HexFormat.of().parseHex(Files.readString(file).strip());
        } else {
            key = new byte[32];
            new SecureRandom().nextBytes(key);
            CertificateAuthority.createPrivateDir(caDir);
            CertificateAuthority.writePrivate(file, HexFormat.of().formatHex(key) + "\n");
        }
        if (key.length < 32) {
            throw new IOException(file + ": token key must be at least 32 bytes");
        }
        return new JoinTokens(key, Clock.systemUTC());
    }

    /** What a valid token grants. */
    public record Grant(String namespace, String serviceAccount, Instant expires) {}

    public String mint(String namespace, String serviceAccount, Duration ttl) {
        if (ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("token ttl must be positive, was " + ttl);
        }
        // validates both names the way identities are validated
        new SpiffeId("cluster.local", namespace, serviceAccount);
        if (ControlPlaneIdentity.isReserved(namespace, serviceAccount)) {
            throw new IllegalArgumentException(namespace + "/" + serviceAccount
                    + " is the control plane's own identity; no workload may hold it");
        }
        ObjectNode payload = JSON.createObjectNode()
                .put("aud", AUDIENCE)
                .put("ns", namespace)
                .put("sa", serviceAccount)
                .put("exp", clock.instant().plus(ttl).getEpochSecond());
        byte[] jti = new byte[12];
        new SecureRandom().nextBytes(jti);
        payload.put("jti", B64.encodeToString(jti));
        String body = B64.encodeToString(payload.toString().getBytes(StandardCharsets.UTF_8));
        return PREFIX + body + "." + B64.encodeToString(mac(body));
    }

    /** Checks the signature, audience and expiry; the message of a failure is safe to return to the caller. */
    public Grant verify(String token) throws InvalidTokenException {
        if (token == null || token.isBlank()) {
            throw new InvalidTokenException("missing join token");
        }
        token = token.strip();
        if (!token.startsWith(PREFIX) || token.indexOf('.', PREFIX.length()) < 0) {
            throw new InvalidTokenException("malformed join token (expected weft.<payload>.<signature>)");
        }
        int dot = token.lastIndexOf('.');
        String body = token.substring(PREFIX.length(), dot);
        byte[] signature;
        try {
            signature = B64D.decode(token.substring(dot + 1));
        } catch (IllegalArgumentException e) {
            throw new InvalidTokenException("malformed join token signature");
        }
        if (!MessageDigest.isEqual(mac(body), signature)) {
            throw new InvalidTokenException("join token signature is invalid (forged, or minted by another control plane)");
        }
        JsonNode payload;
        try {
            payload = JSON.readTree(B64D.decode(body));
        } catch (IOException | IllegalArgumentException e) {
            throw new InvalidTokenException("malformed join token payload");
        }
        if (!AUDIENCE.equals(payload.path("aud").asText())) {
            throw new InvalidTokenException("join token is not meant for certificate requests");
        }
        Instant expires = Instant.ofEpochSecond(payload.path("exp").asLong(0));
        if (!clock.instant().isBefore(expires)) {
            throw new InvalidTokenException("join token expired at " + expires);
        }
        return new Grant(payload.path("ns").asText(), payload.path("sa").asText(), expires);
    }

    private byte[] mac(String body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(body.getBytes(StandardCharsets.US_ASCII));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }
}
