package dev.weft.dataplane.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.weft.dataplane.config.ClusterConfig;
import dev.weft.dataplane.config.Endpoint;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class LoadBalancerTest {

    static UpstreamHost host(int i, int weight) {
        return new UpstreamHost(new Endpoint("10.0.0." + i, 8080, weight, true, true, Map.of()));
    }

    static List<UpstreamHost> hosts(int... weights) {
        List<UpstreamHost> list = new ArrayList<>();
        for (int i = 0; i < weights.length; i++) {
            list.add(host(i + 1, weights[i]));
        }
        return list;
    }

    static Map<UpstreamHost, Integer> count(LoadBalancer lb, int picks, boolean hashed) {
        Map<UpstreamHost, Integer> counts = new HashMap<>();
        for (int i = 0; i < picks; i++) {
            LbContext ctx = hashed ? LbContext.ofHash(HashKeys.hashKey("user-" + i)) : LbContext.NONE;
            counts.merge(lb.pick(ctx), 1, Integer::sum);
        }
        return counts;
    }

    static void assertShares(Map<UpstreamHost, Integer> counts, List<UpstreamHost> hosts, double tolerance) {
        double total = counts.values().stream().mapToInt(Integer::intValue).sum();
        double weightSum = hosts.stream().mapToInt(h -> h.endpoint().weight()).sum();
        for (UpstreamHost h : hosts) {
            assertThat(counts.getOrDefault(h, 0) / total).as("share of %s", h)
                    .isCloseTo(h.endpoint().weight() / weightSum, within(tolerance));
        }
    }

    @Test
    void roundRobinIsExactlyWeightedAndInterleaved() {
        List<UpstreamHost> hosts = hosts(1, 2, 5);
        LoadBalancer lb = new RoundRobinLoadBalancer(hosts);
        Map<UpstreamHost, Integer> counts = count(lb, 8000, false);
        assertThat(counts).containsEntry(hosts.get(0), 1000).containsEntry(hosts.get(1), 2000)
                .containsEntry(hosts.get(2), 5000);
        // Smooth: the heavy host never gets more than 2 turns in a row with weights 1:2:5.
        UpstreamHost[] schedule = RoundRobinLoadBalancer.buildSchedule(hosts);
        int run = 0;
        int maxRun = 0;
        for (int i = 0; i < schedule.length * 2; i++) {
            run = schedule[i % schedule.length] == hosts.get(2) ? run + 1 : 0;
            maxRun = Math.max(maxRun, run);
        }
        assertThat(maxRun).isLessThanOrEqualTo(2);
    }

    @Test
    void roundRobinEqualWeightsCyclesThroughAll() {
        List<UpstreamHost> hosts = hosts(1, 1, 1);
        LoadBalancer lb = new RoundRobinLoadBalancer(hosts);
        assertThat(IntStream.range(0, 3).mapToObj(i -> lb.pick(LbContext.NONE)).distinct().count()).isEqualTo(3);
    }

    @Test
    void randomFollowsWeights() {
        List<UpstreamHost> hosts = hosts(1, 3);
        assertShares(count(new RandomLoadBalancer(hosts), 40_000, false), hosts, 0.02);
    }

    @Test
    void leastRequestPrefersIdleHosts() {
        List<UpstreamHost> hosts = hosts(1, 1, 1);
        for (int i = 0; i < 10; i++) {
            hosts.get(0).onRequestStart();
        }
        LoadBalancer lb = new LeastRequestLoadBalancer(hosts);
        Map<UpstreamHost, Integer> counts = count(lb, 3000, false);
        // With two distinct choices the busiest of three hosts is never the better one.
        assertThat(counts.getOrDefault(hosts.get(0), 0)).isZero();
        assertThat(counts.get(hosts.get(1))).isBetween(1200, 1800);
    }

    @Test
    void leastRequestFollowsWeightsWhenIdle() {
        List<UpstreamHost> hosts = hosts(1, 4);
        Map<UpstreamHost, Integer> counts = count(new LeastRequestLoadBalancer(hosts), 20_000, false);
        assertThat(counts.get(hosts.get(1))).isGreaterThan(counts.get(hosts.get(0)) * 2);
    }

    @Test
    void ringHashIsStableAndWeighted() {
        List<UpstreamHost> hosts = hosts(1, 1, 2);
        RingHashLoadBalancer lb = new RingHashLoadBalancer(hosts, 1024);
        assertThat(lb.ringSize()).isBetween(1024, 2048);
        assertShares(count(lb, 40_000, true), hosts, 0.06);
        LbContext key = LbContext.ofHash(HashKeys.hashKey("jason"));
        UpstreamHost first = lb.pick(key);
        for (int i = 0; i < 100; i++) {
            assertThat(lb.pick(key)).isSameAs(first);
        }
        // A separately built ring over the same hosts agrees (another proxy, or after a restart).
        assertThat(new RingHashLoadBalancer(hosts, 1024).pick(key)).isSameAs(first);
    }

    @Test
    void ringHashHonoursMaximumRingSize() {
        List<UpstreamHost> hosts = hosts(1, 1, 1);
        assertThat(new RingHashLoadBalancer(hosts, 1024, 1024).ringSize()).isBetween(1000, 1024);
        assertThat(new RingHashLoadBalancer(hosts, 1024, 0).ringSize()).isEqualTo(1536);
        assertThat(LoadBalancer.create(new ClusterConfig("c", ClusterConfig.DiscoveryType.EDS, "c", null,
                ClusterConfig.LbPolicy.RING_HASH, 64, java.time.Duration.ofSeconds(1), 32), hosts))
                .isInstanceOfSatisfying(RingHashLoadBalancer.class, lb -> assertThat(lb.ringSize()).isBetween(24, 32));
    }

    @Test
    void ringHashAddingAHostMovesOnlyItsShare() {
        assertMinimalDisruption(h -> new RingHashLoadBalancer(h, 1024), 0.30);
    }

    @Test
    void maglevIsStableAndWeighted() {
        List<UpstreamHost> hosts = hosts(1, 1, 2);
        MaglevLoadBalancer lb = new MaglevLoadBalancer(hosts, 65537);
        assertThat(lb.tableSize()).isEqualTo(65537);
        assertShares(count(lb, 40_000, true), hosts, 0.02);
        LbContext key = LbContext.ofHash(HashKeys.hashKey("jason"));
        assertThat(new MaglevLoadBalancer(List.of(hosts.get(2), hosts.get(0), hosts.get(1)), 65537).pick(key))
                .as("independent of endpoint order").isSameAs(lb.pick(key));
    }

    @Test
    void maglevAddingAHostMovesOnlyItsShare() {
        assertMinimalDisruption(h -> new MaglevLoadBalancer(h, 65537), 0.30);
    }

    /** Going from 4 to 5 hosts should move about 1/5 of keys; a modulo hash would move ~80%. */
    private void assertMinimalDisruption(java.util.function.Function<List<UpstreamHost>, LoadBalancer> factory,
                                         double maxMoved) {
        List<UpstreamHost> four = hosts(1, 1, 1, 1);
        List<UpstreamHost> five = new ArrayList<>(four);
        five.add(host(5, 1));
        LoadBalancer before = factory.apply(four);
        LoadBalancer after = factory.apply(five);
        int moved = 0;
        int movedElsewhere = 0;
        int keys = 20_000;
        for (int i = 0; i < keys; i++) {
            LbContext ctx = LbContext.ofHash(HashKeys.hashKey("session-" + i));
            UpstreamHost a = before.pick(ctx);
            UpstreamHost b = after.pick(ctx);
            if (a != b) {
                moved++;
                if (b != five.get(4)) {
                    movedElsewhere++;
                }
            }
        }
        assertThat(moved / (double) keys).isBetween(0.10, maxMoved);
        assertThat(movedElsewhere / (double) keys).as("keys moved between old hosts").isLessThan(0.05);
    }

    @Test
    void excludedHostIsAvoidedWhenAnotherExists() {
        List<UpstreamHost> hosts = hosts(1, 1, 1);
        UpstreamHost excluded = hosts.get(1);
        for (LoadBalancer lb : List.of(new RoundRobinLoadBalancer(hosts), new RandomLoadBalancer(hosts),
                new LeastRequestLoadBalancer(hosts), new RingHashLoadBalancer(hosts, 64),
                new MaglevLoadBalancer(hosts, 251))) {
            for (int i = 0; i < 500; i++) {
                LbContext ctx = new LbContext(HashKeys.hashKey("k" + i), true, excluded);
                assertThat(lb.pick(ctx)).as(lb.getClass().getSimpleName()).isNotNull().isNotSameAs(excluded);
            }
            LoadBalancer single = LoadBalancer.create(config(policyOf(lb)), List.of(excluded));
            assertThat(single.pick(new LbContext(1, true, excluded))).as("only host left").isSameAs(excluded);
        }
    }

    @Test
    void emptyClusterPicksNothing() {
        for (ClusterConfig.LbPolicy policy : ClusterConfig.LbPolicy.values()) {
            assertThat(LoadBalancer.create(config(policy), List.of()).pick(LbContext.NONE)).isNull();
        }
    }

    @Test
    void hashPoliciesWithoutHashSpreadRandomly() {
        List<UpstreamHost> hosts = hosts(1, 1);
        Map<UpstreamHost, Integer> counts = count(new RingHashLoadBalancer(hosts, 1024), 2000, false);
        assertThat(counts).hasSize(2);
        assertThat(count(new MaglevLoadBalancer(hosts, 65537), 2000, false)).hasSize(2);
    }

    static ClusterConfig.LbPolicy policyOf(LoadBalancer lb) {
        return switch (lb) {
            case RoundRobinLoadBalancer r -> ClusterConfig.LbPolicy.ROUND_ROBIN;
            case RandomLoadBalancer r -> ClusterConfig.LbPolicy.RANDOM;
            case LeastRequestLoadBalancer r -> ClusterConfig.LbPolicy.LEAST_REQUEST;
            case RingHashLoadBalancer r -> ClusterConfig.LbPolicy.RING_HASH;
            case MaglevLoadBalancer r -> ClusterConfig.LbPolicy.MAGLEV;
        };
    }

    static ClusterConfig config(ClusterConfig.LbPolicy policy) {
        return new ClusterConfig("c", ClusterConfig.DiscoveryType.EDS, "c", null, policy,
                policy == ClusterConfig.LbPolicy.MAGLEV ? 251 : 0, java.time.Duration.ofSeconds(1));
    }
}
