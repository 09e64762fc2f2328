package dev.weft.bench.jmh;

import dev.weft.dataplane.telemetry.RequestLabels;
import dev.weft.dataplane.telemetry.RequestMetrics;
import dev.weft.dataplane.telemetry.Workload;
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
 * Recording one finished request in Istio's request metrics ({@code RequestMetrics.record}): the label set is built
 * per request as the telemetry filter builds it (a 13-field record over shared strings and workloads), looked up,
 * then the counter and three histograms are updated. Two threads record at once, like a sidecar's two event loops;
 * {@code series}: how many distinct label sets the requests spread over (response codes × destinations).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx512m"})
@Threads(2)
@State(Scope.Benchmark)
public class MetricsRecordingBenchmark {
    @Param({"1", "100"})
    public int series;

    private final RequestMetrics metrics = new RequestMetrics();
    private Workload source;
    private Workload[] destinations;

    @Setup(Level.Trial)
    public void setUp() {
        source = new Workload("productpage-v1", "default", "productpage", "v1", "bookinfo-productpage", Map.of());
        destinations = new Workload[Math.max(1, series / 4)];
        for (int i = 0; i < destinations.length; i++) {
            destinations[i] = new Workload("reviews-v" + i, "default", "reviews", "v" + i, "bookinfo-reviews", Map.of());
        }
    }

    @State(Scope.Thread)
    public static class Cursor {
        int next;
    }

    @Benchmark
    public void record(Cursor cursor) {
        int i = cursor.next++;
        int code = series == 1 ? 200 : switch (i & 3) {
            case 0 -> 200;
            case 1 -> 404;
            case 2 -> 503;
            default -> 201;
        };
        Workload destination = destinations[(i >>> 2) % destinations.length];
        RequestLabels labels = new RequestLabels(RequestLabels.SOURCE, source,
                "spiffe://cluster.local/ns/default/sa/bookinfo-productpage", destination,
                "spiffe://cluster.local/ns/default/sa/bookinfo-reviews", "reviews.default.svc.cluster.local",
                "reviews", "default", "http", code, "-", "-", "unknown");
        metrics.record(labels, 1.7 + (i & 7), 0, 295 + (i & 15));
    }
}
