package dev.weft.controlplane.generator;

import com.google.protobuf.Any;
import dev.weft.config.model.ClientTlsSettings;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SubjectAltNameMatcher;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import java.util.List;

/**
 * DestinationRule {@code tls} SIMPLE / MUTUAL with files → an {@code UpstreamTlsContext} that originates TLS to a
 * server outside the mesh (a ServiceEntry host, typically): the client certificate and key as
 * {@code tls_certificates[0]} file names (MUTUAL), the CA bundle as {@code validation_context.trusted_ca} (or the
 * system bundle, as Istio does when {@code caCertificates} is unset), the server's names as
 * {@code match_typed_subject_alt_names} — {@code subjectAltNames}, else the SNI as a DNS name (Envoy's auto SAN
 * validation) — and SNI {@code sni}, else the host. {@code insecureSkipVerify: true} emits no validation context.
 * Paths are the sidecar's: it reads the files itself (no SDS).
 */
final class TlsOrigination {
    /** Istio's default CA bundle when a DestinationRule names none (VERIFY_CERTIFICATE_AT_CLIENT). */
    static final String SYSTEM_CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt";

    private TlsOrigination() {}

    static boolean applies(ClientTlsSettings tls) {
        return tls != null && (tls.mode() == ClientTlsSettings.TlsMode.SIMPLE
                || tls.mode() == ClientTlsSettings.TlsMode.MUTUAL);
    }

    static TransportSocket socket(ClientTlsSettings tls, String host) {
        String sni = tls.sni() != null && !tls.sni().isEmpty() ? tls.sni() : host;
        CommonTlsContext.Builder common = CommonTlsContext.newBuilder();
        if (tls.mode() == ClientTlsSettings.TlsMode.MUTUAL) {
            common.addTlsCertificates(TlsCertificate.newBuilder()
                    .setCertificateChain(DataSource.newBuilder().setFilename(tls.clientCertificate()))
                    .setPrivateKey(DataSource.newBuilder().setFilename(tls.privateKey())));
        }
        if (!Boolean.TRUE.equals(tls.insecureSkipVerify())) {
            CertificateValidationContext.Builder validation = CertificateValidationContext.newBuilder()
                    .setTrustedCa(DataSource.newBuilder().setFilename(
                            tls.caCertificates() != null ? tls.caCertificates() : SYSTEM_CA_BUNDLE));
            List<String> names = tls.subjectAltNames().isEmpty() ? List.of(sni) : tls.subjectAltNames();
            for (String name : names) {
                validation.addMatchTypedSubjectAltNames(SubjectAltNameMatcher.newBuilder()
                        .setSanType(sanType(name)).setMatcher(StringMatcher.newBuilder().setExact(name)));
            }
            common.setValidationContext(validation);
        }
        UpstreamTlsContext context = UpstreamTlsContext.newBuilder().setCommonTlsContext(common).setSni(sni).build();
        return TransportSocket.newBuilder().setName(MeshTlsPolicy.TLS_SOCKET).setTypedConfig(Any.pack(context)).build();
    }

    /** A URI ({@code spiffe://…}, {@code https://…}), an IP literal, or else a DNS name. */
    private static SubjectAltNameMatcher.SanType sanType(String name) {
        if (name.contains("://")) {
            return SubjectAltNameMatcher.SanType.URI;
        }
        if (name.contains(":") || name.matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
            return SubjectAltNameMatcher.SanType.IP_ADDRESS;
        }
        return SubjectAltNameMatcher.SanType.DNS;
    }
}
