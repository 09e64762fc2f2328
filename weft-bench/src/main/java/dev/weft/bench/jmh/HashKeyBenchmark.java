package dev.weft.bench.jmh;

import dev.weft.dataplane.cluster.HashKeys;
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
import org.openjdk.jmh.annotations.Warmup;

/** The consistent-hash key of a header or cookie value, computed once per request for RING_HASH/MAGLEV routes. */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx512m"})
@State(Scope.Thread)
public class HashKeyBenchmark {
    /** A short user id, a session cookie, a long token. */
    @Param({"8", "36", "256"})
    public int length;

    private final String[] values = new String[64];
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        java.util.Random random = new java.util.Random(42);
        for (int i = 0; i < values.length; i++) {
            StringBuilder sb = new StringBuilder(length);
            for (int c = 0; c < length; c++) {
                sb.append((char) ('a' + random.nextInt(26)));
            }
            values[i] = sb.toString();
        }
    }

    @Benchmark
    public long hashKey() {
        return HashKeys.hashKey(values[next++ & (values.length - 1)]);
    }
}
