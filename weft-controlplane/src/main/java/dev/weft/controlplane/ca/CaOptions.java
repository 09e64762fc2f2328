package dev.weft.controlplane.ca;

import java.nio.file.Path;
import java.time.Duration;

/**
 * How the control plane's CA runs (the {@code --trust-domain}, {@code --cert-ttl} and {@code --ca-*} flags).
 *
 * @param certTtl lifetime of workload certificates (24 h by default, as in Istio)
 * @param certFile operator-supplied signing certificate + chain (null: a root kept under the data directory)
 * @param keyFile the private key of {@code certFile}
 * @param rootsFile trusted roots to distribute (null: the last certificate of {@code certFile}'s chain)
 */
public record CaOptions(String trustDomain, Duration certTtl, Path certFile, Path keyFile, Path rootsFile) {
    public static final String DEFAULT_TRUST_DOMAIN = "cluster.local";

    public CaOptions {
        if (certTtl.isNegative() || certTtl.isZero()) {
            throw new IllegalArgumentException("certificate TTL must be positive, was " + certTtl);
        }
        if ((certFile == null) != (keyFile == null)) {
            throw new IllegalArgumentException("--ca-cert and --ca-key go together");
        }
    }

    public static CaOptions defaults() {
        return new CaOptions(DEFAULT_TRUST_DOMAIN, Duration.ofHours(24), null, null, null);
    }

    public CertificateAuthority open(Path dataDir) throws java.io.IOException {
        return certFile != null
                ? CertificateAuthority.fromFiles(certFile, keyFile, rootsFile, trustDomain, certTtl)
                : CertificateAuthority.loadOrCreate(dataDir.resolve("ca"), trustDomain, certTtl);
    }
}
