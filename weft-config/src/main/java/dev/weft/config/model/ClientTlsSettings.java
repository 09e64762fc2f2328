package dev.weft.config.model;

import java.util.List;

/** Istio {@code ClientTLSSettings}: mesh mTLS (ISTIO_MUTUAL), TLS origination from files (SIMPLE, MUTUAL), or DISABLE. */
public record ClientTlsSettings(TlsMode mode, String clientCertificate, String privateKey, String caCertificates,
                                String credentialName, List<String> subjectAltNames, String sni,
                                Boolean insecureSkipVerify, String caCrl) {
    public enum TlsMode { DISABLE, SIMPLE, MUTUAL, ISTIO_MUTUAL }

    public ClientTlsSettings {
        subjectAltNames = Immutables.list(subjectAltNames);
    }
}
