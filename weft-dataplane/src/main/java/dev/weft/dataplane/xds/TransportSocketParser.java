package dev.weft.dataplane.xds;

import dev.weft.dataplane.tls.DownstreamTls;
import dev.weft.dataplane.tls.MeshSecrets;
import dev.weft.dataplane.tls.TlsOrigination;
import dev.weft.dataplane.tls.UpstreamTls;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SubjectAltNameMatcher;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsParameters;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code transport_socket} → mesh TLS settings. Weft supports the mesh mTLS shape Istio emits: certificates by SDS
 * name {@code default} and {@code ROOTCA} (served by the proxy's own identity), TLS 1.3, URI SAN matchers on the
 * peer. Anything else (inline or file certificates, other SAN types, regex matchers) is NACKed.
 */
public final class TransportSocketParser {
    public static final String TLS_SOCKET = "envoy.transport_sockets.tls";
    static final String RAW_BUFFER = "envoy.transport_sockets.raw_buffer";
    static final String UPSTREAM_TYPE = TypedAny.url("envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext");
    static final String DOWNSTREAM_TYPE = TypedAny.url("envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext");

    private TransportSocketParser() {}

    /** Null for a raw_buffer (plaintext) socket. */
    public static UpstreamTls upstream(TransportSocket socket, Rejector reject, String path)
            throws ResourceRejectedException {
        if (isRawBuffer(socket)) {
            return null;
        }
        if (!socket.hasTypedConfig() || !UPSTREAM_TYPE.equals(socket.getTypedConfig().getTypeUrl())) {
            throw reject.at(path, "unsupported transport socket " + socket.getName() + " (expected "
                    + TLS_SOCKET + " with an UpstreamTlsContext)");
        }
        UpstreamTlsContext tls = TypedAny.unpack(socket.getTypedConfig(), UPSTREAM_TYPE, UpstreamTlsContext.parser(), reject,
                path + ".typed_config");
        if (isOrigination(tls.getCommonTlsContext())) {
            return UpstreamTls.originating(tls.getSni(), origination(tls.getCommonTlsContext(), reject,
                    path + ".typed_config.common_tls_context"));
        }
        List<UpstreamTls.SanMatcher> sans = common(tls.getCommonTlsContext(), reject,
                path + ".typed_config.common_tls_context");
        return new UpstreamTls(tls.getSni(), sans);
    }

    public static DownstreamTls downstream(TransportSocket socket, boolean plaintextAllowed, Rejector reject,
                                           String path) throws ResourceRejectedException {
        if (!socket.hasTypedConfig() || !DOWNSTREAM_TYPE.equals(socket.getTypedConfig().getTypeUrl())) {
            throw reject.at(path, "unsupported transport socket " + socket.getName() + " (expected "
                    + TLS_SOCKET + " with a DownstreamTlsContext)");
        }
        DownstreamTlsContext tls = TypedAny.unpack(socket.getTypedConfig(), DOWNSTREAM_TYPE, DownstreamTlsContext.parser(), reject,
                path + ".typed_config");
        if (!tls.hasRequireClientCertificate() || !tls.getRequireClientCertificate().getValue()) {
            throw reject.at(path + ".typed_config.require_client_certificate",
                    "mesh TLS needs client certificates (one-way TLS on listeners is not supported)");
        }
        List<UpstreamTls.SanMatcher> sans = common(tls.getCommonTlsContext(), reject,
                path + ".typed_config.common_tls_context");
        if (!sans.isEmpty()) {
            throw reject.at(path + ".typed_config.common_tls_context", "SAN matching on clients is not supported"
                    + " (authorize peers with AuthorizationPolicy)");
        }
        return new DownstreamTls(plaintextAllowed);
    }

    /** File-based TLS origination (DestinationRule SIMPLE / MUTUAL): no SDS secret anywhere in the context. */
    private static boolean isOrigination(CommonTlsContext c) {
        return c.getTlsCertificateSdsSecretConfigsCount() == 0
                && c.getValidationContextTypeCase() != CommonTlsContext.ValidationContextTypeCase.COMBINED_VALIDATION_CONTEXT
                && c.getValidationContextTypeCase() != CommonTlsContext.ValidationContextTypeCase.VALIDATION_CONTEXT_SDS_SECRET_CONFIG;
    }

    private static TlsOrigination origination(CommonTlsContext c, Rejector reject, String path)
            throws ResourceRejectedException {
        String chain = null;
        String key = null;
        if (c.getTlsCertificatesCount() > 1) {
            throw reject.at(path + ".tls_certificates", "at most one client certificate is supported");
        }
        if (c.getTlsCertificatesCount() == 1) {
            var cert = c.getTlsCertificates(0);
            chain = fileName(cert.getCertificateChain(), reject, path + ".tls_certificates[0].certificate_chain");
            key = fileName(cert.getPrivateKey(), reject, path + ".tls_certificates[0].private_key");
        }
        String ca = null;
        List<TlsOrigination.SanName> names = new ArrayList<>();
        if (c.hasValidationContext()) {
            CertificateValidationContext v = c.getValidationContext();
            String vp = path + ".validation_context";
            ca = fileName(v.getTrustedCa(), reject, vp + ".trusted_ca");
            if (v.getMatchSubjectAltNamesCount() > 0 || v.getVerifyCertificateSpkiCount() > 0
                    || v.getVerifyCertificateHashCount() > 0 || v.hasCrl() || v.getAllowExpiredCertificate()) {
                throw reject.at(vp, "only trusted_ca and match_typed_subject_alt_names are supported");
            }
            for (int i = 0; i < v.getMatchTypedSubjectAltNamesCount(); i++) {
                SubjectAltNameMatcher m = v.getMatchTypedSubjectAltNames(i);
                String at = vp + ".match_typed_subject_alt_names[" + i + "]";
                TlsOrigination.SanName.Type type = switch (m.getSanType()) {
                    case DNS -> TlsOrigination.SanName.Type.DNS;
                    case URI -> TlsOrigination.SanName.Type.URI;
                    case IP_ADDRESS -> TlsOrigination.SanName.Type.IP_ADDRESS;
                    default -> throw reject.at(at + ".san_type", "DNS, URI or IP_ADDRESS SANs are supported");
                };
                StringMatcher sm = m.getMatcher();
                switch (sm.getMatchPatternCase()) {
                    case EXACT -> names.add(new TlsOrigination.SanName(type, sm.getExact(), TlsOrigination.SanName.Match.EXACT));
                    case PREFIX -> names.add(new TlsOrigination.SanName(type, sm.getPrefix(), TlsOrigination.SanName.Match.PREFIX));
                    case SUFFIX -> names.add(new TlsOrigination.SanName(type, sm.getSuffix(), TlsOrigination.SanName.Match.SUFFIX));
                    default -> throw reject.at(at + ".matcher", "only exact, prefix and suffix SAN matchers are supported");
                }
            }
        } else if (c.getValidationContextTypeCase() != CommonTlsContext.ValidationContextTypeCase.VALIDATIONCONTEXTTYPE_NOT_SET) {
            throw reject.at(path, "unsupported validation context " + c.getValidationContextTypeCase());
        }
        return new TlsOrigination(chain, key, ca, names);
    }

    private static String fileName(io.envoyproxy.envoy.config.core.v3.DataSource d, Rejector reject, String path)
            throws ResourceRejectedException {
        if (d.getSpecifierCase() != io.envoyproxy.envoy.config.core.v3.DataSource.SpecifierCase.FILENAME
                || d.getFilename().isEmpty()) {
            throw reject.at(path, "a filename is required (inline certificates and keys are not supported)");
        }
        return d.getFilename();
    }

    static boolean isRawBuffer(TransportSocket socket) {
        return socket.getName().equals(RAW_BUFFER) || socket.getTypedConfig().getTypeUrl().endsWith(".RawBuffer");
    }

    private static List<UpstreamTls.SanMatcher> common(CommonTlsContext c, Rejector reject, String path)
            throws ResourceRejectedException {
        if (c.getTlsCertificatesCount() > 0) {
            throw reject.at(path + ".tls_certificates", "inline certificates are not supported; use SDS secret '"
                    + MeshSecrets.WORKLOAD_CERTIFICATE + "'");
        }
        if (c.getTlsCertificateSdsSecretConfigsCount() != 1
                || !MeshSecrets.WORKLOAD_CERTIFICATE.equals(c.getTlsCertificateSdsSecretConfigs(0).getName())) {
            throw reject.at(path + ".tls_certificate_sds_secret_configs",
                    "exactly one SDS certificate named '" + MeshSecrets.WORKLOAD_CERTIFICATE + "' is supported");
        }
        if (c.hasTlsParams()) {
            TlsParameters p = c.getTlsParams();
            if (p.getTlsMaximumProtocolVersion() != TlsParameters.TlsProtocol.TLS_AUTO
                    && p.getTlsMaximumProtocolVersion() != TlsParameters.TlsProtocol.TLSv1_3) {
                throw reject.at(path + ".tls_params.tls_maximum_protocol_version", "mesh TLS is TLS 1.3 only");
            }
        }
        CertificateValidationContext validation;
        String rootName;
        switch (c.getValidationContextTypeCase()) {
            case COMBINED_VALIDATION_CONTEXT -> {
                validation = c.getCombinedValidationContext().getDefaultValidationContext();
                rootName = c.getCombinedValidationContext().getValidationContextSdsSecretConfig().getName();
            }
            case VALIDATION_CONTEXT_SDS_SECRET_CONFIG -> {
                validation = CertificateValidationContext.getDefaultInstance();
                rootName = c.getValidationContextSdsSecretConfig().getName();
            }
            default -> throw reject.at(path, "a validation context with SDS secret '" + MeshSecrets.ROOT_CA
                    + "' is required (got " + c.getValidationContextTypeCase() + ")");
        }
        if (!MeshSecrets.ROOT_CA.equals(rootName)) {
            throw reject.at(path + ".combined_validation_context.validation_context_sds_secret_config.name",
                    "only the mesh root bundle '" + MeshSecrets.ROOT_CA + "' is supported, got '" + rootName + "'");
        }
        List<UpstreamTls.SanMatcher> sans = new ArrayList<>();
        for (int i = 0; i < validation.getMatchTypedSubjectAltNamesCount(); i++) {
            SubjectAltNameMatcher m = validation.getMatchTypedSubjectAltNames(i);
            String at = path + ".combined_validation_context.default_validation_context.match_typed_subject_alt_names[" + i + "]";
            if (m.getSanType() != SubjectAltNameMatcher.SanType.URI) {
                throw reject.at(at + ".san_type", "only URI SANs (SPIFFE IDs) are supported");
            }
            StringMatcher sm = m.getMatcher();
            switch (sm.getMatchPatternCase()) {
                case EXACT -> sans.add(new UpstreamTls.SanMatcher(sm.getExact(), false));
                case PREFIX -> sans.add(new UpstreamTls.SanMatcher(sm.getPrefix(), true));
                default -> throw reject.at(at + ".matcher", "only exact and prefix SAN matchers are supported");
            }
        }
        return sans;
    }
}
