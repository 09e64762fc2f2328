package dev.weft.dataplane.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.weft.dataplane.config.ClusterConfig;
import dev.weft.dataplane.config.EndpointSet;
import dev.weft.dataplane.outlier.OutlierDetectionConfig;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class OutlierEjectionTest {
    private static DefaultCluster cluster(OutlierDetectionConfig od, List<UpstreamHost> hosts) {
        ClusterConfig config = new ClusterConfig("c", ClusterConfig.DiscoveryType.STATIC, null, null,
                ClusterConfig.LbPolicy.ROUND_ROBIN, 0, Duration.ofSeconds(1), 0, false, null, od);
        return new DefaultCluster(config, new EndpointSet("c", List.of()), hosts);
    }

    private static OutlierDetectionConfig od(int fiveXx, Duration base, int maxPercent, double panic) {
        return new OutlierDetectionConfig(fiveXx, 0, 0, false, Duration.ofSeconds(1), base, Duration.ofSeconds(300),
                maxPercent, panic);
    }

    private static Set<UpstreamHost> picked(Cluster c, int n) {
        Set<UpstreamHost> seen = new HashSet<>();
        for (int i = 0; i < n; i++) {
            seen.add(c.pick(LbContext.NONE));
        }
        return seen;
    }

    @Test
    void consecutive5xxEjectsTheHostAndTheBalancerSkipsIt() {
        List<UpstreamHost> hosts = LoadBalancerTest.hosts(1, 1, 1);
        DefaultCluster c = cluster(od(3, Duration.ofSeconds(30), 50, 0), hosts);
        UpstreamHost bad = hosts.get(0);
        c.outlierDetector().onResponse(bad, 503);
        c.outlierDetector().onResponse(bad, 500);
        c.outlierDetector().onResponse(bad, 200); // a success resets the count
        c.outlierDetector().onResponse(bad, 503);
        c.outlierDetector().onResponse(bad, 503);
        assertThat(bad.outlier().isEjected()).isFalse();
        c.outlierDetector().onResponse(bad, 502);
        assertThat(bad.outlier().isEjected()).isTrue();
        assertThat(bad.outlier().timesEjected()).isEqualTo(1);
        assertThat(picked(c, 30)).containsExactlyInAnyOrder(hosts.get(1), hosts.get(2));
    }

    @Test
    void maxEjectionPercentLimitsEjectionsButAllowsOne() {
        List<UpstreamHost> hosts = LoadBalancerTest.hosts(1, 1, 1);
        DefaultCluster c = cluster(od(1, Duration.ofSeconds(30), 10, 0), hosts); // 10% of 3 hosts: still one
        c.outlierDetector().onResponse(hosts.get(0), 503);
        c.outlierDetector().onResponse(hosts.get(1), 503);
        assertThat(hosts.get(0).outlier().isEjected()).isTrue();
        assertThat(hosts.get(1).outlier().isEjected()).isFalse();
        assertThat(c.outlierDetector().ejectedCount()).isEqualTo(1);
    }

    @Test
    void ejectedHostsComeBackAndRepeatedEjectionsLastLonger() {
        List<UpstreamHost> hosts = LoadBalancerTest.hosts(1, 1);
        DefaultCluster c = cluster(od(1, Duration.ofMillis(50), 50, 0), hosts);
        UpstreamHost bad = hosts.get(0);
        c.outlierDetector().onResponse(bad, 503);
        long firstRemaining = bad.outlier().ejectionRemainingMillis();
        assertThat(firstRemaining).isBetween(1L, 50L);
        await().atMost(Duration.ofSeconds(2)).until(() -> {
            c.outlierDetector().review();
            return !bad.outlier().isEjected();
        });
        assertThat(picked(c, 20)).contains(bad);
        c.outlierDetector().onResponse(bad, 503);
        assertThat(bad.outlier().timesEjected()).isEqualTo(2);
        assertThat(bad.outlier().ejectionRemainingMillis()).isGreaterThan(50L); // 2 × base
    }

    @Test
    void belowThePanicThresholdEjectionsAreIgnored() {
        List<UpstreamHost> hosts = LoadBalancerTest.hosts(1, 1);
        DefaultCluster c = cluster(od(1, Duration.ofSeconds(30), 100, 60), hosts);
        c.outlierDetector().onResponse(hosts.get(0), 503);
        assertThat(hosts.get(0).outlier().isEjected()).isTrue();
        // 1 of 2 hosts left = 50% < 60%: panic, traffic goes to both
        assertThat(picked(c, 20)).containsExactlyInAnyOrderElementsOf(hosts);
    }
}
