package dev.weft.controlplane.xds;

import dev.weft.controlplane.TestNodes;
import dev.weft.controlplane.WorkloadCerts;
import dev.weft.controlplane.ca.CertificateAuthority;
import dev.weft.controlplane.proxy.ProxyNode;
import io.envoyproxy.envoy.config.core.v3.Node;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The binding of a stream's announced node to what its transport proved (certificates from a real CA). */
class StreamAuthenticationTest {
    private static final StreamAuthentication.Policy STRICT = new StreamAuthentication.Policy("cluster.local", false);
    private static final StreamAuthentication.Policy ALLOWING = new StreamAuthentication.Policy("cluster.local", true);
    private static final Map<String, String> MESH_LABELS = Map.of("app", "reviews", "security.istio.io/tlsMode", "istio");

    @TempDir
    static Path dir;
    static CertificateAuthority ca;

    @BeforeAll
    static void ca() throws Exception {
        ca = CertificateAuthority.loadOrCreate(dir.resolve("ca"), "cluster.local", Duration.ofHours(1));
    }

    private static ProxyNode reviews() throws Exception {
        // TestNodes announce the service name as service account: ns/default/sa/reviews
        return ProxyNode.fromNode(TestNodes.sidecar("reviews", "default", "10.0.0.5", 9080, 15006, MESH_LABELS,
                List.of()));
    }

    private static PeerCredentials mtls(WorkloadCerts certs) {
        return new PeerCredentials(true, certs.leaf());
    }

    @Test
    void aCertificateForTheAnnouncedIdentityRegistersTheNodeAsAnnounced() throws Exception {
        ProxyNode node = reviews();
        var outcome = StreamAuthentication.bind(node, mtls(WorkloadCerts.issue(ca, "default", "reviews")), STRICT);
        assertThat(outcome).isInstanceOf(StreamAuthentication.Bound.class);
        var bound = (StreamAuthentication.Bound) outcome;
        assertThat(bound.spiffeId()).isEqualTo("spiffe://cluster.local/ns/default/sa/reviews");
        assertThat(bound.registration()).isEqualTo(node);
        assertThat(bound.registration().labels()).containsEntry("security.istio.io/tlsMode", "istio");
    }

    @Test
    void aCertificateForAnotherServiceAccountOrNamespaceIsRefusedNamingBoth() throws Exception {
        var otherAccount = StreamAuthentication.bind(reviews(), mtls(WorkloadCerts.issue(ca, "default", "ratings")), ALLOWING);
        assertThat(otherAccount).isInstanceOf(StreamAuthentication.Refused.class);
        assertThat(((StreamAuthentication.Refused) otherAccount).reason())
                .contains("announces namespace 'default' and service account 'reviews'")
                .contains("its certificate is spiffe://cluster.local/ns/default/sa/ratings");

        var otherNamespace = StreamAuthentication.bind(reviews(), mtls(WorkloadCerts.issue(ca, "shop", "reviews")), ALLOWING);
        assertThat(((StreamAuthentication.Refused) otherNamespace).reason())
                .contains("its certificate is spiffe://cluster.local/ns/shop/sa/reviews");
    }

    @Test
    void aCertificateOfAnotherTrustDomainProvesNothingHere() throws Exception {
        CertificateAuthority foreign = CertificateAuthority.loadOrCreate(dir.resolve("foreign"), "example.org",
                Duration.ofHours(1));
        var outcome = StreamAuthentication.bind(reviews(), mtls(WorkloadCerts.issue(foreign, "default", "reviews")), ALLOWING);
        assertThat(((StreamAuthentication.Refused) outcome).reason())
                .contains("holds no SPIFFE ID of trust domain cluster.local");
    }

    @Test
    void anUnauthenticatedEndpointRegistrationIsRefusedByDefault() throws Exception {
        for (PeerCredentials peer : List.of(PeerCredentials.PLAINTEXT, new PeerCredentials(true, null))) {
            var outcome = StreamAuthentication.bind(reviews(), peer, STRICT);
            assertThat(outcome).isInstanceOf(StreamAuthentication.Refused.class);
            assertThat(((StreamAuthentication.Refused) outcome).reason())
                    .contains("unauthenticated xDS stream (" + peer.transport())
                    .contains("may not register an endpoint for reviews.default.svc.cluster.local")
                    .contains("--allow-unauthenticated-registration");
        }
    }

    @Test
    void whenAllowedAnUnauthenticatedRegistrationCarriesNoServiceAccountAndNoMeshCertificateClaim() throws Exception {
        var outcome = StreamAuthentication.bind(reviews(), PeerCredentials.PLAINTEXT, ALLOWING);
        var bound = (StreamAuthentication.Bound) outcome;
        assertThat(bound.spiffeId()).isNull();
        assertThat(bound.registration().serviceAccount()).isEmpty();
        assertThat(bound.registration().labels()).containsEntry("app", "reviews")
                .doesNotContainKey("security.istio.io/tlsMode");
        assertThat(bound.registration().servesInbound()).isTrue();
        assertThat(bound.registration().address()).isEqualTo("10.0.0.5");
    }

    @Test
    void aConfigOnlyClientNeedsNoCertificate() throws Exception {
        Node proxyless = Node.newBuilder().setId("proxyless~10.0.0.7~client.default")
                .setMetadata(com.google.protobuf.Struct.newBuilder()
                        .putFields("WEFT_ROLE", com.google.protobuf.Value.newBuilder().setStringValue("proxyless").build())
                        .putFields("SERVICE_ACCOUNT", com.google.protobuf.Value.newBuilder().setStringValue("admin").build()))
                .build();
        var outcome = StreamAuthentication.bind(ProxyNode.fromNode(proxyless), PeerCredentials.PLAINTEXT, STRICT);
        var bound = (StreamAuthentication.Bound) outcome;
        assertThat(bound.registration().serviceAccount()).as("claims nothing it did not prove").isEmpty();
        assertThat(bound.registration().servesInbound()).isFalse();
    }
}
