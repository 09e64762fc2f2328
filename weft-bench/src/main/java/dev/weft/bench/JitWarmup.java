package dev.weft.bench;

import dev.weft.bench.load.WrkRunner;
import java.io.IOException;
import java.time.Duration;
import java.util.List;

/**
 * Loads a JVM target at saturation, in short rounds, until its JIT compilers go quiet. A proxy's request path (the
 * HTTP/2 one between sidecars above all) keeps compiling for far longer than the few seconds of constant-rate
 * warm-up before each phase; measured while C2 is still busy, a target carries interpreted code and the compilers'
 * own CPU into its figures, which is what made the two-sidecar rows swing so widely.
 */
final class JitWarmup {
    private static final Duration ROUND = Duration.ofSeconds(2);
    /** Compiler CPU per round below which the compilers count as quiet: 2.5 % of one core. */
    private static final double QUIET_SECONDS_PER_ROUND = 0.05;
    /** Quiet rounds in a row that end the warm-up (one quiet round may be a lull between compilations). */
    private static final int QUIET_ROUNDS = 2;

    /** What a warm-up did: how long it loaded the target, and whether the compilers were quiet at the end. */
    record Outcome(double seconds, boolean quiet, double compilerSeconds) {}

    private final WrkRunner wrk;
    private final int threads;
    private final int connections;

    JitWarmup(WrkRunner wrk, int threads, int connections) {
        this.wrk = wrk;
        this.threads = threads;
        this.connections = connections;
    }

    Outcome run(RunningTarget target, Duration limit) throws IOException, InterruptedException {
        List<ProcessHandle> procs = target.proxyProcesses();
        long start = System.nanoTime();
        double compilerAtStart = ProcessStats.compilerCpuSeconds(procs);
        int quietRounds = 0;
        while (System.nanoTime() - start < limit.toNanos() && quietRounds < QUIET_ROUNDS) {
            double before = ProcessStats.compilerCpuSeconds(procs);
            wrk.run(target.port(), target.hostHeader(), threads, connections, ROUND);
            double spent = ProcessStats.compilerCpuSeconds(procs) - before;
            quietRounds = spent < QUIET_SECONDS_PER_ROUND ? quietRounds + 1 : 0;
        }
        return new Outcome((System.nanoTime() - start) / 1e9, quietRounds >= QUIET_ROUNDS,
                ProcessStats.compilerCpuSeconds(procs) - compilerAtStart);
    }

    /** Whether the target's proxy processes are JVMs (they have compiler threads); nginx and HAProxy are not. */
    static boolean applies(RunningTarget target) {
        return target.name().startsWith("weft-");
    }
}
