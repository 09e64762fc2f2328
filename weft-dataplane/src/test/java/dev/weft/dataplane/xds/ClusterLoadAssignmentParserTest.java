package dev.weft.dataplane.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.UInt32Value;
import dev.weft.dataplane.config.Endpoint;
import dev.weft.dataplane.config.EndpointSet;
import io.envoyproxy.envoy.config.core.v3.HealthStatus;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ClusterLoadAssignmentParserTest {

    static ClusterLoadAssignment cla(LocalityLbEndpoints.Builder locality) {
        return ClusterLoadAssignment.newBuilder().setClusterName("c").addEndpoints(locality).build();
    }

    @Test
    void parsesEndpointsWithWeftMetadata() throws Exception {
        EndpointSet set = ClusterLoadAssignmentParser.parse(XdsFixtures.endpoints(XdsFixtures.REVIEWS, "10.0.0.1",
                "10.0.0.2"));
        assertThat(set.clusterName()).isEqualTo(XdsFixtures.REVIEWS);
        assertThat(set.endpoints()).containsExactly(
                new Endpoint("10.0.0.1", 15006, 1, true, true, Map.of("version", "v1")),
                new Endpoint("10.0.0.2", 15006, 1, true, true, Map.of("version", "v1")));
    }

    @Test
    void mapsHealthAndWeight() throws Exception {
        EndpointSet set = ClusterLoadAssignmentParser.parse(cla(LocalityLbEndpoints.newBuilder()
                .addLbEndpoints(XdsFixtures.lbEndpoint("10.0.0.1", 80).setHealthStatus(HealthStatus.HEALTHY)
                        .setLoadBalancingWeight(UInt32Value.of(7)))
                .addLbEndpoints(XdsFixtures.lbEndpoint("10.0.0.2", 80).setHealthStatus(HealthStatus.UNHEALTHY))
                .addLbEndpoints(XdsFixtures.lbEndpoint("10.0.0.3", 80).setHealthStatus(HealthStatus.DRAINING))
                .addLbEndpoints(XdsFixtures.lbEndpoint("10.0.0.4", 80).setHealthStatus(HealthStatus.TIMEOUT))
                .addLbEndpoints(XdsFixtures.lbEndpoint("fd00::1", 80))));
        assertThat(set.endpoints()).extracting(Endpoint::healthy).containsExactly(true, false, false, false, true);
        assertThat(set.endpoints().getFirst().weight()).isEqualTo(7);
        assertThat(set.endpoints().getLast().weight()).isEqualTo(1);
        assertThat(set.endpoints().getLast().authority()).isEqualTo("[fd00::1]:80");
        assertThat(set.endpoints().getLast().sidecar()).isFalse();
    }

    @Test
    void rejectsInvalidEndpoints() {
        assertThatThrownBy(() -> ClusterLoadAssignmentParser.parse(cla(LocalityLbEndpoints.newBuilder()
                .addLbEndpoints(XdsFixtures.lbEndpoint("reviews.local", 80)))))
                .isInstanceOf(ResourceRejectedException.class)
                .hasMessage("ClusterLoadAssignment c: endpoints[0].lb_endpoints[0].endpoint.address.socket_address"
                        + ".address: not an IP address: reviews.local");
        assertThatThrownBy(() -> ClusterLoadAssignmentParser.parse(cla(LocalityLbEndpoints.newBuilder()
                .addLbEndpoints(XdsFixtures.lbEndpoint("10.0.0.1", 70000)))))
                .hasMessageEndingWith("socket_address.port_value: invalid port 70000");
        assertThatThrownBy(() -> ClusterLoadAssignmentParser.parse(cla(LocalityLbEndpoints.newBuilder()
                .addLbEndpoints(XdsFixtures.lbEndpoint("10.0.0.1", 80).setLoadBalancingWeight(UInt32Value.of(0))))))
                .hasMessage("ClusterLoadAssignment c: endpoints[0].lb_endpoints[0].load_balancing_weight: must be at "
                        + "least 1, got 0");
        assertThatThrownBy(() -> ClusterLoadAssignmentParser.parse(cla(LocalityLbEndpoints.newBuilder()
                .setPriority(1).addLbEndpoints(XdsFixtures.lbEndpoint("10.0.0.1", 80)))))
                .hasMessageContaining("endpoints[0].priority");
        assertThatThrownBy(() -> ClusterLoadAssignmentParser.parse(cla(LocalityLbEndpoints.newBuilder()
                .addLbEndpoints(XdsFixtures.lbEndpoint("10.0.0.1", 80))
                .addLbEndpoints(XdsFixtures.lbEndpoint("10.0.0.1", 80)))))
                .hasMessage("ClusterLoadAssignment c: endpoints[0].lb_endpoints[1]: duplicate endpoint 10.0.0.1:80");
        assertThatThrownBy(() -> ClusterLoadAssignmentParser.parse(ClusterLoadAssignment.getDefaultInstance()))
                .hasMessage("ClusterLoadAssignment <unnamed>: cluster_name: missing cluster name");
    }
}
