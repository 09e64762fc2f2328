package dev.weft.controlplane.generator;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import dev.weft.config.PeerAuthentications;
import dev.weft.config.model.ClientTlsSettings;
import dev.weft.config.model.DestinationRule;
import dev.weft.config.model.PeerAuthenticationSpec.Mtls;
import dev.weft.config.model.PortSelector;
import dev.weft.config.model.Subset;
import dev.weft.config.model.TrafficPolicy;
import dev.weft.controlplane.proxy.ProxyNode;
import dev.weft.controlplane.push.PushContext;
import dev.weft.controlplane.registry.MeshService;
import dev.weft.controlplane.registry.WorkloadEndpoint;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SubjectAltNameMatcher;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsParameters;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import java.util.List;
import java.util.Map;

/**
 * Where mesh mTLS goes (Istio's auto mTLS and PeerAuthentication), and the Envoy transport sockets that say so.
 *
 * <ul>
 *   <li>A proxy has a workload certificate when it carries Istio's sidecar label
 *       {@code security.istio.io/tlsMode: istio} (a Weft proxy started with {@code --token-file} sets it).</li>
 *   <li>Outbound: a cluster gets an UpstreamTlsContext when the client has a certificate and either the
 *       DestinationRule says {@code ISTIO_MUTUAL}, or it says nothing and every endpoint is such a sidecar whose
 *       PeerAuthentication is not DISABLE (auto mTLS). {@code DISABLE} always means plaintext. The server must
 *       present one of the DestinationRule's {@code subjectAltNames}, else one of the service's service accounts
 *       (the SPIFFE IDs its endpoints run as, plus a ServiceEntry's {@code subjectAltNames}), as Istio does.</li>
 *   <li>Inbound: the effective PeerAuthentication mode of the app port: STRICT → one TLS filter chain;
 *       PERMISSIVE → TLS and plaintext chains chosen by the TLS inspector; DISABLE (or no certificate) →
 *       plaintext.</li>
 * </ul>
 * Certificates are named by SDS ({@code default}, {@code ROOTCA}) and resolved by the proxy itself: its key never
 * leaves it, and no secret crosses xDS.
 */
public final class MeshTlsPolicy {
    static final String TLS_MODE_LABEL = "security.istio.io/tlsMode";
    static final String TLS_SOCKET = "envoy.transport_sockets.tls";
    static final String WORKLOAD_SECRET = "default";
    static final String ROOT_SECRET = "ROOTCA";
    /**
     * Any SPIFFE identity the mesh roots vouch for: only when neither a DestinationRule nor the registry names the
     * service accounts a service runs as (ISTIO_MUTUAL to ServiceEntry endpoints without {@code serviceAccount}).
     */
    static final String SPIFFE_PREFIX = "spiffe://";

    private MeshTlsPolicy() {}

    static boolean hasWorkloadCertificate(Map<String, String> labels) {
        return "istio".equals(labels.get(TLS_MODE_LABEL));
    }

    /** The transport socket of an outbound cluster, or null for plaintext. */
    static TransportSocket outbound(PushContext context, ProxyNode client, MeshService service, int port,
                                    String subset, DestinationRule rule) {
        ClientTlsSettings tls = clientTls(rule, port, subset);
        if (TlsOrigination.applies(tls)) {
            return TlsOrigination.socket(tls, service.host()); // TLS to a server outside the mesh, from files
        }
        if (!hasWorkloadCertificate(client.labels())) {
            return null;
        }
        ClientTlsSettings.TlsMode mode = tls == null || tls.mode() == null ? null : tls.mode();
        if (mode == ClientTlsSettings.TlsMode.ISTIO_MUTUAL) {
            List<String> sans = tls.subjectAltNames().isEmpty()
                    ? context.serviceAccounts(service.host(), port) : tls.subjectAltNames();
            return upstreamSocket(service, port, sans, tls.sni());
        }
        if (mode != null) {
            return null; // DISABLE
        }
        List<WorkloadEndpoint> endpoints = context.endpoints(service.host(), port);
        if (endpoints.isEmpty() || service.resolution() == MeshService.Resolution.DNS) {
            return null;
        }
        for (WorkloadEndpoint e : endpoints) {
            if (!e.sidecar() || !hasWorkloadCertificate(e.labels())
                    || PeerAuthentications.effectiveMode(context.config().peerAuthentications(), service.namespace(),
                    e.labels(), -1) == Mtls.Mode.DISABLE) {
                return null;
            }
        }
        // Istio: the server must hold one of the service accounts its endpoints run as, not just any mesh identity
        return upstreamSocket(service, port, context.serviceAccounts(service.host(), port), null);
    }

    /** The DestinationRule's tls for a subset and port: subset over port level over the top level, as Istio. */
    private static ClientTlsSettings clientTls(DestinationRule rule, int port, String subset) {
        if (rule == null) {
            return null;
        }
        if (subset != null) {
            for (Subset s : rule.spec().subsets()) {
                if (s.name().equals(subset) && s.trafficPolicy() != null) {
                    ClientTlsSettings t = fromPolicy(s.trafficPolicy(), port);
                    if (t != null) {
                        return t;
                    }
                }
            }
        }
        return rule.spec().trafficPolicy() == null ? null : fromPolicy(rule.spec().trafficPolicy(), port);
    }

    private static ClientTlsSettings fromPolicy(TrafficPolicy policy, int port) {
        for (TrafficPolicy.PortTrafficPolicy p : policy.portLevelSettings()) {
            PortSelector selector = p.port();
            if (selector != null && selector.number() != null && selector.number() == port && p.tls() != null) {
                return p.tls();
            }
        }
        return policy.tls();
    }

    private static TransportSocket upstreamSocket(MeshService service, int port, List<String> sans, String sni) {
        CertificateValidationContext.Builder validation = CertificateValidationContext.newBuilder();
        if (sans.isEmpty()) {
            validation.addMatchTypedSubjectAltNames(uriMatcher(StringMatcher.newBuilder().setPrefix(SPIFFE_PREFIX)));
        } else {
            for (String san : sans) {
                validation.addMatchTypedSubjectAltNames(uriMatcher(StringMatcher.newBuilder().setExact(san)));
            }
        }
        UpstreamTlsContext tls = UpstreamTlsContext.newBuilder()
                .setCommonTlsContext(common(validation.build()))
                // Istio's SNI for mesh traffic names the cluster it is meant for
                .setSni(sni != null && !sni.isEmpty() ? sni : "outbound_." + port + "_._." + service.host())
                .build();
        return TransportSocket.newBuilder().setName(TLS_SOCKET).setTypedConfig(Any.pack(tls)).build();
    }

    /** The inbound mode of a proxy's app port; DISABLE when the proxy has no certificate. */
    static Mtls.Mode inboundMode(PushContext context, ProxyNode proxy) {
        if (!hasWorkloadCertificate(proxy.labels())) {
            return Mtls.Mode.DISABLE;
        }
        return PeerAuthentications.effectiveMode(context.config().peerAuthentications(), proxy.namespace(),
                proxy.labels(), proxy.appPort());
    }

    static TransportSocket downstreamSocket() {
        DownstreamTlsContext tls = DownstreamTlsContext.newBuilder()
                .setCommonTlsContext(common(CertificateValidationContext.getDefaultInstance()))
                .setRequireClientCertificate(BoolValue.of(true))
                .build();
        return TransportSocket.newBuilder().setName(TLS_SOCKET).setTypedConfig(Any.pack(tls)).build();
    }

    private static SubjectAltNameMatcher uriMatcher(StringMatcher.Builder matcher) {
        return SubjectAltNameMatcher.newBuilder().setSanType(SubjectAltNameMatcher.SanType.URI)
                .setMatcher(matcher).build();
    }

    private static CommonTlsContext common(CertificateValidationContext validation) {
        ConfigSource ads = ConfigSource.newBuilder().setAds(AggregatedConfigSource.getDefaultInstance()).build();
        return CommonTlsContext.newBuilder()
                .setTlsParams(TlsParameters.newBuilder()
                        .setTlsMinimumProtocolVersion(TlsParameters.TlsProtocol.TLSv1_3)
                        .setTlsMaximumProtocolVersion(TlsParameters.TlsProtocol.TLSv1_3))
                .addTlsCertificateSdsSecretConfigs(SdsSecretConfig.newBuilder().setName(WORKLOAD_SECRET).setSdsConfig(ads))
                .setCombinedValidationContext(CommonTlsContext.CombinedCertificateValidationContext.newBuilder()
                        .setDefaultValidationContext(validation)
                        .setValidationContextSdsSecretConfig(SdsSecretConfig.newBuilder().setName(ROOT_SECRET).setSdsConfig(ads)))
                .build();
    }
}
