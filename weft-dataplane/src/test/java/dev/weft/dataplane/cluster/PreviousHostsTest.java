package dev.weft.dataplane.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.dataplane.config.EndpointSet;
import dev.weft.dataplane.retry.PreviousHosts;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Envoy's previous_hosts predicate: a retry avoids every host already tried, not only the last one. */
class PreviousHostsTest {
    @Test
    void aRetryAvoidsEveryHostAlreadyTriedWhileOthersRemain() {
        for (var policy : dev.weft.dataplane.config.ClusterConfig.LbPolicy.values()) {
            List<UpstreamHost> hosts = LoadBalancerTest.hosts(1, 1, 1, 1);
            DefaultCluster c = new DefaultCluster(LoadBalancerTest.config(policy), new EndpointSet("c", List.of()),
                    hosts);
            for (int i = 0; i < 200; i++) {
                PreviousHosts tried = new PreviousHosts();
                tried.add(hosts.get(0));
                tried.add(hosts.get(1));
                tried.add(hosts.get(2));
                boolean hashed = policy == dev.weft.dataplane.config.ClusterConfig.LbPolicy.RING_HASH
                        || policy == dev.weft.dataplane.config.ClusterConfig.LbPolicy.MAGLEV;
                UpstreamHost next = tried.pick(c, hosts.get(2), HashKeys.hashKey("k" + i), hashed, 5);
                assertThat(next).as("%s, pick %d", policy, i).isSameAs(hosts.get(3));
            }
        }
    }

    @Test
    void whenEveryHostWasTriedTheRetryStillGetsOne() {
        List<UpstreamHost> hosts = LoadBalancerTest.hosts(1, 1);
        DefaultCluster c = new DefaultCluster(LoadBalancerTest.config(
                dev.weft.dataplane.config.ClusterConfig.LbPolicy.ROUND_ROBIN), new EndpointSet("c", List.of()), hosts);
        PreviousHosts tried = new PreviousHosts();
        tried.add(hosts.get(0));
        tried.add(hosts.get(1));
        assertThat(tried.pick(c, hosts.get(1), 0, false, 5)).isIn(hosts);
        assertThat(tried.size()).isEqualTo(2);
    }
}
