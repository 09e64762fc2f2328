package dev.weft.proxy.telemetry;

import dev.weft.dataplane.telemetry.Workload;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Trace context per request ({@code Tracing.onRequest}): a new trace (ids generated, W3C and B3 headers written) or a
 * continued one (a {@code traceparent} parsed, a span id generated, headers rewritten). Sampling 1 % without an
 * exporter, as a sidecar without a collector runs. Each call starts from a fresh copy of the request headers.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx512m"})
@State(Scope.Thread)
public class TraceContextBenchmark {
    private Tracing tracing;
    private final HttpHeaders plain = new DefaultHttpHeaders()
            .add("host", "reviews:9080").add("user-agent", "curl/8.5.0").add("accept", "*/*");
    private final HttpHeaders traced = plain.copy()
            .add("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");

    @Setup
    public void setUp() {
        Workload self = new Workload("reviews-v1", "default", "reviews", "v1", "reviews", Map.of());
        tracing = new Tracing(self, "sidecar~127.0.0.1~reviews", TelemetryOptions.defaults("reviews"));
    }

    @Benchmark
    public Object newTrace() {
        return tracing.onRequest(plain.copy(), TrafficDirection.OUTBOUND);
    }

    @Benchmark
    public Object continuedTrace() {
        return tracing.onRequest(traced.copy(), TrafficDirection.INBOUND);
    }
}
