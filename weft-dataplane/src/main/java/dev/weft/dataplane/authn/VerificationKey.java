package dev.weft.dataplane.authn;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyType;
import com.nimbusds.jose.jwk.RSAKey;
import java.util.ArrayList;
import java.util.List;

/**
 * One public key of a provider's JWKS, turned into a verifier once per config (never per request).
 *
 * @param kid the key id, or null (a key without one is tried for any token, as Envoy does)
 * @param alg the key's {@code alg}, or null (then any algorithm of its family)
 */
public record VerificationKey(String kid, JWSAlgorithm alg, KeyType type, Curve curve, JWSVerifier verifier) {

    /** Whether this key may verify a token signed with {@code tokenAlg} (family, curve and {@code alg} fit). */
    public boolean accepts(JWSAlgorithm tokenAlg) {
        if (alg != null && !alg.equals(tokenAlg)) {
            return false;
        }
        if (KeyType.RSA.equals(type)) {
            return JWSAlgorithm.Family.RSA.contains(tokenAlg);
        }
        if (KeyType.EC.equals(type)) {
            return (JWSAlgorithm.ES256.equals(tokenAlg) && Curve.P_256.equals(curve))
                    || (JWSAlgorithm.ES384.equals(tokenAlg) && Curve.P_384.equals(curve))
                    || (JWSAlgorithm.ES512.equals(tokenAlg) && Curve.P_521.equals(curve));
        }
        if (KeyType.OKP.equals(type)) {
            return Ed25519Verifier.ALGORITHMS.contains(tokenAlg) && Curve.Ed25519.equals(curve);
        }
        return false;
    }

    /**
     * Parses a JWKS (JSON) into verifiers: RSA (RS256/384/512, PS256/384/512), EC P-256/384/521 and OKP Ed25519
     * (EdDSA) public keys.
     *
     * @throws IllegalArgumentException naming the key that cannot be used
     */
    public static List<VerificationKey> parseJwks(String json) {
        JWKSet set;
        try {
            set = JWKSet.parse(json);
        } catch (java.text.ParseException e) {
            throw new IllegalArgumentException("not a valid JWKS: " + e.getMessage());
        }
        if (set.getKeys().isEmpty()) {
            throw new IllegalArgumentException("the JWKS has no keys");
        }
        List<VerificationKey> out = new ArrayList<>();
        for (int i = 0; i < set.getKeys().size(); i++) {
            JWK k = set.getKeys().get(i);
            String which = "keys[" + i + "]";
            if (k.isPrivate()) {
                throw new IllegalArgumentException(which + " holds private key material");
            }
            JWSAlgorithm alg = k.getAlgorithm() == null ? null : JWSAlgorithm.parse(k.getAlgorithm().getName());
            try {
                if (k instanceof RSAKey rsa) {
                    if (alg != null && !JWSAlgorithm.Family.RSA.contains(alg)) {
                        throw new IllegalArgumentException(which + ": alg " + alg + " does not fit an RSA key");
                    }
                    out.add(new VerificationKey(k.getKeyID(), alg, KeyType.RSA, null,
                            new RSASSAVerifier(rsa.toRSAPublicKey())));
                } else if (k instanceof ECKey ec) {
                    if (alg != null && !JWSAlgorithm.Family.EC.contains(alg)) {
                        throw new IllegalArgumentException(which + ": alg " + alg + " does not fit an EC key");
                    }
                    out.add(new VerificationKey(k.getKeyID(), alg, KeyType.EC, ec.getCurve(),
                            new ECDSAVerifier(ec.toECPublicKey())));
                } else if (k instanceof com.nimbusds.jose.jwk.OctetKeyPair okp) {
                    if (alg != null && !Ed25519Verifier.ALGORITHMS.contains(alg)) {
                        throw new IllegalArgumentException(which + ": alg " + alg + " does not fit an Ed25519 key");
                    }
                    try {
                        out.add(new VerificationKey(k.getKeyID(), alg, KeyType.OKP, okp.getCurve(),
                                Ed25519Verifier.of(okp)));
                    } catch (IllegalArgumentException e) {
                        throw new IllegalArgumentException(which + ": " + e.getMessage());
                    }
                } else {
                    throw new IllegalArgumentException(which + ": key type " + k.getKeyType()
                            + " is not supported (RSA, EC and OKP Ed25519 public keys are)");
                }
            } catch (JOSEException e) {
                throw new IllegalArgumentException(which + ": " + e.getMessage());
            }
        }
        return List.copyOf(out);
    }
}
