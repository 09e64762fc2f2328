package dev.weft.dataplane.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.dataplane.config.ClusterConfig;
import dev.weft.dataplane.config.ConfigSnapshot;
import dev.weft.dataplane.config.Endpoint;
import dev.weft.dataplane.config.EndpointSet;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DefaultClusterManagerTest {
    static final String NAME = "outbound|9080||reviews.default.svc.cluster.local";

    static ClusterConfig eds(ClusterConfig.LbPolicy policy) {
        return new ClusterConfig(NAME, ClusterConfig.DiscoveryType.EDS, NAME, null, policy, 0, Duration.ofSeconds(10));
    }

    static Endpoint ep(String ip, boolean healthy, int weight) {
        return new Endpoint(ip, 15006, weight, healthy, true, Map.of("version", "v1"));
    }

    static ConfigSnapshot snapshot(ClusterConfig cluster, Endpoint... endpoints) {
        return new ConfigSnapshot(Map.of(), Map.of(), Map.of(), Map.of(cluster.name(), cluster),
                Map.of(NAME, new EndpointSet(NAME, List.of(endpoints))));
    }

    @Test
    void picksOnlyHealthyEndpoints() {
        DefaultClusterManager cm = new DefaultClusterManager();
        cm.update(snapshot(eds(ClusterConfig.LbPolicy.ROUND_ROBIN), ep("10.0.0.1", true, 1),
                ep("10.0.0.2", false, 1)));
        Cluster c = cm.get(NAME);
        assertThat(c.hosts()).hasSize(2);
        for (int i = 0; i < 20; i++) {
            assertThat(c.pick(LbContext.NONE).address()).isEqualTo("10.0.0.1:15006");
        }
    }

    @Test
    void noHealthyEndpointPicksNull() {
        DefaultClusterManager cm = new DefaultClusterManager();
        cm.update(snapshot(eds(ClusterConfig.LbPolicy.LEAST_REQUEST), ep("10.0.0.2", false, 1)));
        assertThat(cm.get(NAME).pick(LbContext.NONE)).isNull();
        assertThat(cm.get("unknown")).isNull();
    }

    @Test
    void hostsStayTheSameObjectsAcrossUpdates() {
        DefaultClusterManager cm = new DefaultClusterManager();
        cm.update(snapshot(eds(ClusterConfig.LbPolicy.ROUND_ROBIN), ep("10.0.0.1", true, 1), ep("10.0.0.2", true, 1)));
        UpstreamHost first = cm.get(NAME).hosts().getFirst();
        first.onRequestStart();
        Cluster before = cm.get(NAME);

        cm.update(snapshot(eds(ClusterConfig.LbPolicy.ROUND_ROBIN), ep("10.0.0.1", true, 1), ep("10.0.0.2", true, 1)));
        assertThat(cm.get(NAME)).as("unchanged cluster kept").isSameAs(before);

        cm.update(snapshot(eds(ClusterConfig.LbPolicy.LEAST_REQUEST), ep("10.0.0.1", true, 5),
                ep("10.0.0.3", true, 1)));
        Cluster after = cm.get(NAME);
        assertThat(after).isNotSameAs(before);
        assertThat(after.hosts().getFirst()).isSameAs(first);
        assertThat(after.hosts().getFirst().activeRequests()).isEqualTo(1);
        assertThat(after.hosts().getFirst().endpoint().weight()).isEqualTo(5);
        assertThat(after.hosts()).extracting(UpstreamHost::address).containsExactly("10.0.0.1:15006",
                "10.0.0.3:15006");
    }

    @Test
    void removedClustersDisappearAndInlineEndpointsAreUsed() {
        DefaultClusterManager cm = new DefaultClusterManager();
        cm.update(snapshot(eds(ClusterConfig.LbPolicy.RANDOM), ep("10.0.0.1", true, 1)));
        ClusterConfig dns = new ClusterConfig("dns", ClusterConfig.DiscoveryType.STRICT_DNS, null,
                new EndpointSet("dns", List.of(new Endpoint("example.com", 80, 1, true, false, Map.of()))),
                ClusterConfig.LbPolicy.ROUND_ROBIN, 0, Duration.ofSeconds(1));
        cm.update(new ConfigSnapshot(Map.of(), Map.of(), Map.of(), Map.of("dns", dns), Map.of()));
        assertThat(cm.get(NAME)).isNull();
        assertThat(cm.all()).hasSize(1);
        assertThat(cm.get("dns").pick(LbContext.NONE).address()).isEqualTo("example.com:80");
    }
}
