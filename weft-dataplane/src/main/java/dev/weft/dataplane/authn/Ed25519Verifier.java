package dev.weft.dataplane.authn;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.jca.JCAContext;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.util.Base64URL;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.Set;

/**
 * EdDSA (Ed25519) JWS verification with the JDK's own Ed25519 (SunEC): nimbus-jose-jwt verifies EdDSA only through
 * Google Tink, which this build does not carry. The JWK's raw 32-byte public key ({@code x}, RFC 8037) is wrapped in
 * its X.509 SubjectPublicKeyInfo, the form the JDK's KeyFactory reads.
 */
public final class Ed25519Verifier implements JWSVerifier {
    /** DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410): SEQUENCE { SEQUENCE { OID 1.3.101.112 } BIT STRING }. */
    private static final byte[] SPKI_PREFIX = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};
    private static final int KEY_LENGTH = 32;
    /** {@code EdDSA} (RFC 8037) and its fully specified name {@code Ed25519} (RFC 9864). */
    static final Set<JWSAlgorithm> ALGORITHMS = Set.of(JWSAlgorithm.EdDSA, JWSAlgorithm.Ed25519);

    private final PublicKey key;
    private final JCAContext jca = new JCAContext();

    private Ed25519Verifier(PublicKey key) {
        this.key = key;
    }

    /** @throws IllegalArgumentException when the key is not an Ed25519 public key */
    public static Ed25519Verifier of(OctetKeyPair jwk) {
        if (!Curve.Ed25519.equals(jwk.getCurve())) {
            throw new IllegalArgumentException("curve " + jwk.getCurve() + " is not supported (Ed25519 is)");
        }
        byte[] raw = jwk.getDecodedX();
        if (raw.length != KEY_LENGTH) {
            throw new IllegalArgumentException("an Ed25519 public key is 32 bytes, got " + raw.length);
        }
        byte[] spki = new byte[SPKI_PREFIX.length + KEY_LENGTH];
        System.arraycopy(SPKI_PREFIX, 0, spki, 0, SPKI_PREFIX.length);
        System.arraycopy(raw, 0, spki, SPKI_PREFIX.length, KEY_LENGTH);
        try {
            return new Ed25519Verifier(KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(spki)));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("bad Ed25519 public key: " + e.getMessage());
        }
    }

    @Override
    public boolean verify(JWSHeader header, byte[] signingInput, Base64URL signature) throws JOSEException {
        if (!ALGORITHMS.contains(header.getAlgorithm())) {
            throw new JOSEException("unsupported algorithm " + header.getAlgorithm() + " for an Ed25519 key");
        }
        try {
            Signature verifier = Signature.getInstance("Ed25519"); // not thread-safe: one per verification
            verifier.initVerify(key);
            verifier.update(signingInput);
            return verifier.verify(signature.decode());
        } catch (java.security.SignatureException e) {
            return false; // a signature of the wrong length or encoding does not verify
        } catch (GeneralSecurityException e) {
            throw new JOSEException("Ed25519 verification failed: " + e.getMessage(), e);
        }
    }

    @Override
    public Set<JWSAlgorithm> supportedJWSAlgorithms() {
        return ALGORITHMS;
    }

    @Override
    public JCAContext getJCAContext() {
        return jca;
    }
}
