package dev.weft.config;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyType;
import com.nimbusds.jose.jwk.RSAKey;
import dev.weft.config.model.PolicyTargetReference;
import dev.weft.config.model.RequestAuthentication;
import dev.weft.config.model.RequestAuthenticationSpec;
import dev.weft.config.model.RequestAuthenticationSpec.JwtRule;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * RequestAuthentication helpers shared by validation and the control plane: which policies select a workload (as
 * AuthorizationPolicy: the workload's namespace and the root namespace), reading {@code jwksUri} files (Weft never
 * fetches keys over the network), and checking that a JWKS holds only public keys the data plane can verify with.
 */
public final class RequestAuthentications {
    /** The signature algorithms the data plane verifies; anything else in a key's {@code alg} is refused. */
    public static final Set<String> ALGORITHMS = Set.of("RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
            "ES256", "ES384", "ES512", "EdDSA", "Ed25519");

    private RequestAuthentications() {}

    /**
     * The policies selecting a workload, in load order: in its namespace or the root namespace, by selector (none:
     * all workloads there) or by a {@code targetRef} of kind Service naming the service the workload serves.
     */
    public static List<RequestAuthentication> selecting(List<RequestAuthentication> policies, String namespace,
                                                        Map<String, String> labels, String service) {
        List<RequestAuthentication> out = new ArrayList<>();
        for (RequestAuthentication p : policies) {
            String ns = p.meta().namespace();
            if (!ns.equals(namespace) && !ns.equals(PeerAuthentications.ROOT_NAMESPACE)) {
                continue;
            }
            RequestAuthenticationSpec spec = p.spec();
            List<PolicyTargetReference> refs = spec.allTargetRefs();
            if (!refs.isEmpty()) {
                if (ns.equals(namespace) && refs.stream().anyMatch(r -> r.name().equals(service))) {
                    out.add(p);
                }
            } else if (spec.selector() == null || spec.selector().matches(labels)) {
                out.add(p);
            }
        }
        return List.copyOf(out);
    }

    /**
     * Reads the JWKS a {@code jwksUri} names: {@code file:///absolute/path} or {@code file:relative/path}, relative
     * to the directory of the YAML file that holds the resource.
     *
     * @throws IllegalArgumentException with a message for the user (http(s), other schemes, unreadable file)
     */
    public static String readJwksUri(String uri, String configFile) {
        Path path = jwksPath(uri, configFile);
        try {
            return Files.readString(path);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + path + ": " + e);
        }
    }

    /**
     * The file a {@code jwksUri} names (see {@link #readJwksUri}), not read.
     *
     * @throws IllegalArgumentException with a message for the user (http(s), other schemes, a host in the URI)
     */
    public static Path jwksPath(String uri, String configFile) {
        URI parsed;
        try {
            parsed = new URI(uri);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("not a URI: " + e.getMessage());
        }
        String scheme = parsed.getScheme();
        if ("http".equalsIgnoreCase(scheme) || "https".equalsIgnoreCase(scheme)) {
            throw new IllegalArgumentException("Weft does not fetch keys over the network: give the keys inline in"
                    + " jwks, or as a file:///path (or file:relative/path) jwksUri, got \"" + uri + "\"");
        }
        if (!"file".equalsIgnoreCase(scheme)) {
            throw new IllegalArgumentException("only file: URIs are supported (file:///absolute/path or"
                    + " file:relative/path), got \"" + uri + "\"");
        }
        if (parsed.isOpaque()) {
            String rel = parsed.getSchemeSpecificPart();
            Path dir = configFile == null ? null : Path.of(configFile).toAbsolutePath().getParent();
            return dir == null ? Path.of(rel) : dir.resolve(rel);
        }
        if (parsed.getAuthority() != null && !parsed.getAuthority().isEmpty()) {
            throw new IllegalArgumentException("a file URI with a host (\"" + parsed.getAuthority()
                    + "\"); use file:///absolute/path or file:relative/path");
        }
        return Path.of(parsed.getPath());
    }

    /**
     * The JWKS files a loaded config read its keys from: watched by the control plane, so that a rotated key file
     * is served without touching the YAML.
     */
    public static List<Path> jwksFiles(MeshConfig config) {
        java.util.Set<Path> files = new java.util.TreeSet<>();
        for (RequestAuthentication ra : config.requestAuthentications()) {
            for (JwtRule r : ra.spec().jwtRules()) {
                if (r.jwksUri() != null) {
                    try {
                        files.add(jwksPath(r.jwksUri(), ra.meta().file()));
                    } catch (IllegalArgumentException e) {
                        // a valid config names only readable files; nothing to watch otherwise
                    }
                }
            }
        }
        return List.copyOf(files);
    }

    /** The resource with every {@code jwksUri} file read into {@code jwks} (call after validation passed). */
    public static RequestAuthentication inlineJwksFiles(RequestAuthentication ra) {
        List<JwtRule> rules = new ArrayList<>();
        boolean changed = false;
        for (JwtRule r : ra.spec().jwtRules()) {
            if (r.jwks() == null && r.jwksUri() != null) {
                rules.add(r.withJwks(readJwksUri(r.jwksUri(), ra.meta().file())));
                changed = true;
            } else {
                rules.add(r);
            }
        }
        if (!changed) {
            return ra;
        }
        RequestAuthenticationSpec s = ra.spec();
        return ra.withSpec(new RequestAuthenticationSpec(s.selector(), s.targetRef(), s.targetRefs(), rules));
    }

    /**
     * Checks a JWKS the way the data plane will use it: valid JSON with a non-empty {@code keys} array of public RSA
     * EC (P-256/384/521) or OKP (Ed25519) keys whose {@code alg}, when given, is one Weft verifies.
     *
     * @throws IllegalArgumentException naming the offending key
     */
    public static void checkJwks(String json) {
        JWKSet set;
        try {
            set = JWKSet.parse(json);
        } catch (java.text.ParseException e) {
            throw new IllegalArgumentException("not a valid JWKS: " + e.getMessage());
        }
        if (set.getKeys().isEmpty()) {
            throw new IllegalArgumentException("the JWKS has no keys");
        }
        for (int i = 0; i < set.getKeys().size(); i++) {
            JWK k = set.getKeys().get(i);
            String which = "keys[" + i + "]" + (k.getKeyID() == null ? "" : " (kid \"" + k.getKeyID() + "\")");
            KeyType kty = k.getKeyType();
            if (k.isPrivate() && !KeyType.OCT.equals(kty)) { // a symmetric key gets the clearer message below
                throw new IllegalArgumentException(which + " holds private key material; a JWKS must carry public"
                        + " keys only");
            }
            JWSAlgorithm alg = k.getAlgorithm() == null ? null : JWSAlgorithm.parse(k.getAlgorithm().getName());
            if (alg != null && !ALGORITHMS.contains(alg.getName())) {
                throw new IllegalArgumentException(which + ": alg " + alg.getName() + " is not supported (one of "
                        + String.join(", ", new java.util.TreeSet<>(ALGORITHMS)) + ")");
            }
            if (KeyType.RSA.equals(kty)) {
                if (alg != null && !JWSAlgorithm.Family.RSA.contains(alg)) {
                    throw new IllegalArgumentException(which + ": alg " + alg + " does not fit an RSA key");
                }
                try {
                    ((RSAKey) k).toRSAPublicKey();
                } catch (com.nimbusds.jose.JOSEException e) {
                    throw new IllegalArgumentException(which + ": bad RSA key: " + e.getMessage());
                }
            } else if (KeyType.EC.equals(kty)) {
                Curve crv = ((ECKey) k).getCurve();
                if (!Curve.P_256.equals(crv) && !Curve.P_384.equals(crv) && !Curve.P_521.equals(crv)) {
                    throw new IllegalArgumentException(which + ": curve " + crv + " is not supported (P-256,"
                            + " P-384, P-521)");
                }
                if (alg != null && !JWSAlgorithm.Family.EC.contains(alg)) {
                    throw new IllegalArgumentException(which + ": alg " + alg + " does not fit an EC key");
                }
                try {
                    ((ECKey) k).toECPublicKey();
                } catch (com.nimbusds.jose.JOSEException e) {
                    throw new IllegalArgumentException(which + ": bad EC key: " + e.getMessage());
                }
            } else if (KeyType.OKP.equals(kty)) {
                Curve crv = ((com.nimbusds.jose.jwk.OctetKeyPair) k).getCurve();
                if (!Curve.Ed25519.equals(crv)) {
                    throw new IllegalArgumentException(which + ": curve " + crv + " is not supported (Ed25519)");
                }
                if (alg != null && !"EdDSA".equals(alg.getName()) && !"Ed25519".equals(alg.getName())) {
                    throw new IllegalArgumentException(which + ": alg " + alg + " does not fit an Ed25519 key");
                }
                if (((com.nimbusds.jose.jwk.OctetKeyPair) k).getDecodedX().length != 32) {
                    throw new IllegalArgumentException(which + ": bad Ed25519 key: x must be 32 bytes");
                }
            } else {
                throw new IllegalArgumentException(which + ": key type " + kty + " is not supported (RSA, EC and OKP"
                        + " Ed25519 public keys are; symmetric \"oct\" keys would let anyone holding the JWKS mint tokens)");
            }
        }
    }
}
