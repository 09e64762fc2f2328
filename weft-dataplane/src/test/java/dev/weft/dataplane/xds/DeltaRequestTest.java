package dev.weft.dataplane.xds;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.rpc.Code;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The hand-written delta request reads back, with protobuf's own parser, as the request the control plane gets. */
class DeltaRequestTest {
    private static final String EDS = XdsTypes.ENDPOINT;

    @Test
    void aFirstRequestCarriesNodeNamesAndHeldVersions() throws Exception {
        byte[] node = new NodeIdentity("sidecar~127.0.0.1~reviews-1.default", "reviews.default", Map.of("NAMESPACE", "default"))
                .toNodeBytes();
        Map<String, String> versions = new LinkedHashMap<>();
        versions.put("outbound|9080||reviews.default.svc.cluster.local", "v7");
        versions.put("outbound|9080||ratings.default.svc.cluster.local", "");

        DeltaDiscoveryRequest parsed = DeltaDiscoveryRequest.parseFrom(
                DeltaRequest.subscribe(node, EDS, List.of("a", "b"), versions).toByteArray());

        assertThat(parsed.getNode().getId()).isEqualTo("sidecar~127.0.0.1~reviews-1.default");
        assertThat(parsed.getTypeUrl()).isEqualTo(EDS);
        assertThat(parsed.getResourceNamesSubscribeList()).containsExactly("a", "b");
        assertThat(parsed.getResourceNamesUnsubscribeList()).isEmpty();
        assertThat(parsed.getInitialResourceVersionsMap()).isEqualTo(versions);
        assertThat(parsed.getResponseNonce()).isEmpty();
        assertThat(parsed.hasErrorDetail()).isFalse();
    }

    @Test
    void changesAcksAndNacksCarryOnlyTheirFields() throws Exception {
        DeltaDiscoveryRequest change = DeltaDiscoveryRequest.parseFrom(
                DeltaRequest.change(EDS, List.of("new"), List.of("gone")).toByteArray());
        assertThat(change.hasNode()).isFalse();
        assertThat(change.getResourceNamesSubscribeList()).containsExactly("new");
        assertThat(change.getResourceNamesUnsubscribeList()).containsExactly("gone");

        DeltaDiscoveryRequest ack = DeltaDiscoveryRequest.parseFrom(DeltaRequest.ack(EDS, "n-4").toByteArray());
        assertThat(ack).isEqualTo(DeltaDiscoveryRequest.newBuilder().setTypeUrl(EDS).setResponseNonce("n-4").build());

        DeltaDiscoveryRequest nack = DeltaDiscoveryRequest.parseFrom(
                DeltaRequest.nack(EDS, "n-5", "Cluster c: lb_policy: unsupported").toByteArray());
        assertThat(nack.getResponseNonce()).isEqualTo("n-5");
        assertThat(nack.getErrorDetail().getCode()).isEqualTo(Code.INVALID_ARGUMENT_VALUE);
        assertThat(nack.getErrorDetail().getMessage()).isEqualTo("Cluster c: lb_policy: unsupported");
    }

    @Test
    void theMethodsMarshallerReadsBackWhatItWrites() {
        DeltaRequest sent = DeltaRequest.nack(EDS, "n-6", "ClusterLoadAssignment a: endpoints: empty");
        DeltaRequest read = DeltaRequest.METHOD.parseRequest(DeltaRequest.METHOD.streamRequest(sent));
        assertThat(read.typeUrl()).isEqualTo(EDS);
        assertThat(read.responseNonce()).isEqualTo("n-6");
        assertThat(read.errorMessage()).isEqualTo("ClusterLoadAssignment a: endpoints: empty");
        assertThat(read.node()).isNull();
        assertThat(read.subscribe()).isEmpty();
        assertThat(read.initialVersions()).isEmpty();

        Map<String, String> versions = Map.of("b", "v2");
        DeltaRequest first = DeltaRequest.METHOD.parseRequest(DeltaRequest.METHOD.streamRequest(
                DeltaRequest.subscribe(new byte[] {10, 1, 'x'}, EDS, List.of("b"), versions)));
        assertThat(first.node()).containsExactly(10, 1, 'x');
        assertThat(first.subscribe()).containsExactly("b");
        assertThat(first.initialVersions()).isEqualTo(versions);
        assertThat(first.errorMessage()).isNull();
    }
}
