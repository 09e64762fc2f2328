package dev.weft.bench.jmh;

import dev.weft.dataplane.cluster.HashKeys;
import dev.weft.dataplane.cluster.LbContext;
import dev.weft.dataplane.cluster.LoadBalancer;
import dev.weft.dataplane.cluster.UpstreamHost;
import dev.weft.dataplane.config.ClusterConfig;
import dev.weft.dataplane.config.Endpoint;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One load-balancer pick per call, for every policy, over a small and a large cluster, with equal or mixed
 * weights. Hash policies get a different precomputed hash per call (as requests with different keys would);
 * {@link HashKeyBenchmark} measures computing that hash from a header or cookie value. Two threads pick at once, as two event loops do, so shared counters (round robin, least request) show their cost.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx512m"})
@Threads(2)
@State(Scope.Benchmark)
public class LoadBalancerBenchmark {
    private static final int KEYS = 1024; // a power of two: the index wraps with a mask

    @Param({"ROUND_ROBIN", "LEAST_REQUEST", "RANDOM", "RING_HASH", "MAGLEV"})
    public ClusterConfig.LbPolicy policy;

    @Param({"3", "100"})
    public int hosts;

    @Param({"equal", "mixed"})
    public String weights;

    private LoadBalancer balancer;
    private LbContext[] contexts;

    @Setup(Level.Trial)
    public void setUp() {
        List<UpstreamHost> upstreams = new ArrayList<>(hosts);
        for (int i = 0; i < hosts; i++) {
            int weight = weights.equals("equal") ? 1 : 1 + (i % 5);
            upstreams.add(new UpstreamHost(new Endpoint("10.0." + (i / 250) + "." + (i % 250 + 1), 8080, weight,
                    true, true, Map.of("version", "v" + (i % 3)))));
        }
        ClusterConfig config = new ClusterConfig("outbound|8080||bench.default.svc.cluster.local",
                ClusterConfig.DiscoveryType.EDS, "outbound|8080||bench.default.svc.cluster.local", null, policy, 0,
                Duration.ofSeconds(1));
        balancer = LoadBalancer.create(config, upstreams);
        contexts = new LbContext[KEYS];
        boolean hashing = policy == ClusterConfig.LbPolicy.RING_HASH || policy == ClusterConfig.LbPolicy.MAGLEV;
        for (int i = 0; i < KEYS; i++) {
            contexts[i] = hashing ? LbContext.ofHash(HashKeys.hashKey("user-" + i)) : LbContext.NONE;
        }
        if (balancer.pick(contexts[0]) == null) {
            throw new IllegalStateException(policy + " picked no host from " + hosts + " healthy hosts");
        }
    }

    /** Per-thread position in the key array, so the two threads do not share a counter of their own. */
    @State(Scope.Thread)
    public static class Cursor {
        int next;
    }

    @Benchmark
    public UpstreamHost pick(Cursor cursor) {
        return balancer.pick(contexts[cursor.next++ & (KEYS - 1)]);
    }
}
