package dev.weft.proxy.tls;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The proxy's own identity: a private key generated here (it never leaves the process), the chain the CA signed
 * for it, and the roots it trusts for peers.
 */
public record WorkloadCertificate(String spiffeId, PrivateKey key, List<X509Certificate> chain,
                                  List<X509Certificate> trustBundle, Instant received) {
    public WorkloadCertificate {
        chain = List.copyOf(chain);
        trustBundle = List.copyOf(trustBundle);
    }

    public Instant notBefore() {
        return chain.getFirst().getNotBefore().toInstant();
    }

    public Instant notAfter() {
        return chain.getFirst().getNotAfter().toInstant();
    }

    /**
     * When to renew: half-way between receipt and expiry (Istio renews at 50% too). Measured from receipt, not
     * notBefore, because the CA backdates notBefore for clock skew.
     */
    public Instant renewAt() {
        return received.plus(Duration.between(received, notAfter()).dividedBy(2));
    }
}
