package dev.weft.controlplane.generator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.config.ConfigLoader;
import dev.weft.config.LoadResult;
import dev.weft.config.MeshConfig;
import dev.weft.controlplane.TestNodes;
import dev.weft.controlplane.proxy.ProxyNode;
import dev.weft.controlplane.push.PushContext;
import dev.weft.controlplane.registry.ServiceCatalogBuilder;
import dev.weft.controlplane.xds.XdsType;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SubjectAltNameMatcher;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which server identities a mesh mTLS cluster accepts: the service accounts the registry knows for the service's
 * endpoints (Istio), a DestinationRule's {@code subjectAltNames} over them, and CDS that stays byte-identical while
 * endpoints churn without changing the set.
 */
class MeshTlsServiceAccountsTest {
    private static final Generators GENERATORS = Generators.standard();
    private static final String REVIEWS = "outbound|9080||reviews.default.svc.cluster.local";
    private static final Map<String, String> MESH = Map.of(MeshTlsPolicy.TLS_MODE_LABEL, "istio");

    @TempDir
    Path configDir;

    private static ProxyNode sidecar(String service, String account, String address) {
        Map<String, String> labels = new java.util.HashMap<>(MESH);
        labels.put("app", service);
        ProxyNode p = TestNodes.proxy(service, "default", address, 9080, 15006, labels);
        return new ProxyNode(p.id(), p.role(), p.service(), p.namespace(), account, p.labels(), p.address(),
                p.appPort(), p.appProtocol(), p.servicePort(), p.inboundPort(), p.outboundPort(), p.upstreams());
    }

    private static final ProxyNode CLIENT = sidecar("productpage", "productpage", "10.0.0.1");

    private PushContext context(List<ProxyNode> proxies, String yaml, String trustDomain) throws Exception {
        MeshConfig config = MeshConfig.EMPTY;
        if (yaml != null) {
            Files.writeString(configDir.resolve("config.yaml"), yaml);
            LoadResult r = ConfigLoader.load(configDir);
            assertThat(r.errors()).isEmpty();
            config = r.config();
        }
        List<ProxyNode> all = new ArrayList<>(proxies);
        all.add(CLIENT);
        return new PushContext(1, config, ServiceCatalogBuilder.build(config, all, trustDomain));
    }

    private static SortedMap<String, com.google.protobuf.Message> clusters(PushContext context) {
        return GENERATORS.forType(XdsType.CLUSTER).generate(context, CLIENT);
    }

    private static List<String> acceptedSans(PushContext context, String cluster) throws Exception {
        Cluster c = (Cluster) clusters(context).get(cluster);
        assertThat(c.hasTransportSocket()).as("%s has mesh mTLS", cluster).isTrue();
        UpstreamTlsContext tls = c.getTransportSocket().getTypedConfig().unpack(UpstreamTlsContext.class);
        List<String> out = new ArrayList<>();
        for (SubjectAltNameMatcher m : tls.getCommonTlsContext().getCombinedValidationContext()
                .getDefaultValidationContext().getMatchTypedSubjectAltNamesList()) {
            assertThat(m.getSanType()).isEqualTo(SubjectAltNameMatcher.SanType.URI);
            out.add(m.getMatcher().hasPrefix() ? "prefix:" + m.getMatcher().getPrefix() : m.getMatcher().getExact());
        }
        return out;
    }

    @Test
    void autoMtlsAcceptsExactlyTheServiceAccountsOfTheEndpoints() throws Exception {
        PushContext ctx = context(List.of(sidecar("reviews", "reviews", "10.0.0.3"),
                sidecar("reviews", "reviews", "10.0.0.4"), sidecar("reviews", "reviews-v3", "10.0.0.5")), null,
                "cluster.local");
        assertThat(acceptedSans(ctx, REVIEWS)).containsExactly("spiffe://cluster.local/ns/default/sa/reviews",
                "spiffe://cluster.local/ns/default/sa/reviews-v3");
    }

    @Test
    void theCaTrustDomainNamesTheIdentities() throws Exception {
        PushContext ctx = context(List.of(sidecar("reviews", "reviews", "10.0.0.3")), null, "example.org");
        assertThat(acceptedSans(ctx, REVIEWS)).containsExactly("spiffe://example.org/ns/default/sa/reviews");
    }

    @Test
    void endpointChurnWithTheSameAccountsLeavesCdsUnchanged() throws Exception {
        var one = clusters(context(List.of(sidecar("reviews", "reviews", "10.0.0.3")), null, "cluster.local"));
        var three = clusters(context(List.of(sidecar("reviews", "reviews", "10.0.0.3"),
                sidecar("reviews", "reviews", "10.0.0.4"), sidecar("reviews", "reviews", "10.0.0.9")), null,
                "cluster.local"));
        // the ADS stream sends CDS only when the generated resources differ: equal maps mean no CDS push
        assertThat(three).isEqualTo(one);
        var otherAccount = clusters(context(List.of(sidecar("reviews", "reviews", "10.0.0.3"),
                sidecar("reviews", "reviews-canary", "10.0.0.4")), null, "cluster.local"));
        assertThat(otherAccount.get(REVIEWS)).isNotEqualTo(one.get(REVIEWS));
    }

    @Test
    void destinationRuleSubjectAltNamesOverrideTheRegistry() throws Exception {
        PushContext ctx = context(List.of(sidecar("reviews", "reviews", "10.0.0.3")), """
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata:
                  name: reviews
                spec:
                  host: reviews
                  trafficPolicy:
                    tls:
                      mode: ISTIO_MUTUAL
                      subjectAltNames:
                      - spiffe://cluster.local/ns/default/sa/reviews-prod
                """, "cluster.local");
        assertThat(acceptedSans(ctx, REVIEWS)).containsExactly("spiffe://cluster.local/ns/default/sa/reviews-prod");
    }

    @Test
    void serviceEntryEndpointsAndSubjectAltNamesAreTheServiceAccountsOfAnIstioMutualService() throws Exception {
        PushContext ctx = context(List.of(), """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata:
                  name: ledger
                  namespace: finance
                spec:
                  hosts: [ledger.internal]
                  location: MESH_INTERNAL
                  resolution: STATIC
                  ports:
                  - {number: 9070, name: http, protocol: HTTP}
                  subjectAltNames: [spiffe://cluster.local/ns/finance/sa/ledger-admin]
                  endpoints:
                  - {address: 10.2.0.1, serviceAccount: ledger}
                  - {address: 10.2.0.2}
                ---
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata:
                  name: unknown-accounts
                  namespace: finance
                spec:
                  hosts: [old.internal]
                  location: MESH_INTERNAL
                  resolution: STATIC
                  ports:
                  - {number: 9070, name: http, protocol: HTTP}
                  endpoints:
                  - {address: 10.2.0.3}
                ---
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata:
                  name: jobs
                  namespace: batch
                spec:
                  hosts: [jobs.internal]
                  location: MESH_INTERNAL
                  resolution: STATIC
                  ports:
                  - {number: 9070, name: http, protocol: HTTP}
                  workloadSelector:
                    labels: {app: jobs}
                ---
                apiVersion: networking.istio.io/v1
                kind: WorkloadEntry
                metadata:
                  name: jobs-vm
                  namespace: batch
                spec:
                  address: 10.3.0.1
                  labels: {app: jobs}
                  serviceAccount: runner
                ---
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata:
                  name: internal
                  namespace: default
                spec:
                  host: "*.internal"
                  trafficPolicy:
                    tls:
                      mode: ISTIO_MUTUAL
                """, "cluster.local");
        assertThat(acceptedSans(ctx, "outbound|9070||ledger.internal")).containsExactly(
                "spiffe://cluster.local/ns/finance/sa/ledger", "spiffe://cluster.local/ns/finance/sa/ledger-admin");
        // a WorkloadEntry's account lives in the WorkloadEntry's namespace
        assertThat(acceptedSans(ctx, "outbound|9070||jobs.internal")).containsExactly(
                "spiffe://cluster.local/ns/batch/sa/runner");
        // nothing known about who runs it: any identity of the mesh roots, as Istio without SANs
        assertThat(acceptedSans(ctx, "outbound|9070||old.internal")).containsExactly("prefix:spiffe://");
    }
}
