package dev.weft.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The harness's command line.
 *
 * @param runs how many times every target is measured; each figure is the median over the runs
 * @param rate requests per second of the constant-rate (latency) phase
 * @param connections connections of the constant-rate phase
 * @param warmup constant-rate load before each measured phase, not recorded (JIT, pools, caches)
 * @param jitWarmup longest saturating load a Weft target gets once, before the first run, while its JIT compilers
 *                  are still busy (zero: none)
 * @param duration length of the constant-rate phase
 * @param maxDuration length of the closed-loop (wrk) phase
 * @param timeLimit the whole run is abandoned (and everything it started ended) after this
 */
public record BenchOptions(boolean quick, int runs, int rate, int connections, Duration warmup, Duration jitWarmup,
                           Duration duration,
                           Duration maxDuration, int wrkThreads, int wrkConnections, List<String> targets,
                           Path out, List<String> proxyJvmOptions, Duration readyTimeout, Duration timeLimit) {

    static final List<String> ALL_TARGETS =
            List.of("direct", "nginx", "haproxy", "weft-1-sidecar", "weft-2-sidecars", "weft-2-sidecars-mtls");

    static final String USAGE = """
            usage: run.sh [--quick] [--runs N] [--rate REQ_PER_S] [--connections N] [--warmup S] [--jit-warmup S]
                          [--duration S] [--max-duration S] [--wrk-threads N] [--wrk-connections N]
                          [--targets a,b,...] [--out DIR] [--proxy-jvm-opts "FLAGS"] [--ready-timeout S] [--time-limit S]
              defaults: 3 runs, 1000 req/s over 16 connections, 5 s warm-up, 15 s at rate, 10 s of wrk -t1 -c64;
                        before the first run each Weft target is loaded until its JIT compilers go quiet (at most
                        --jit-warmup, 90 s)
              --quick:  1 run, 2 s warm-up, at most 20 s of JIT warm-up, 5 s at rate, 4 s of wrk
              targets:  %s
            """.formatted(String.join(",", ALL_TARGETS));

    static BenchOptions parse(String[] args) {
        boolean quick = Arrays.asList(args).contains("--quick");
        int runs = quick ? 1 : 3;
        int rate = 1000;
        int connections = 16;
        long warmup = quick ? 2 : 5;
        long jitWarmup = quick ? 20 : 90;
        long duration = quick ? 5 : 15;
        long maxDuration = quick ? 4 : 10;
        int wrkThreads = 1;
        int wrkConnections = 64;
        List<String> targets = ALL_TARGETS;
        Path out = Path.of("weft-bench", "results");
        List<String> jvmOptions = List.of();
        long readyTimeout = 60;
        Long timeLimit = null;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            switch (arg) {
                case "--quick" -> { }
                case "--runs" -> runs = positive(arg, value(args, ++i, arg));
                case "--rate" -> rate = positive(arg, value(args, ++i, arg));
                case "--connections" -> connections = positive(arg, value(args, ++i, arg));
                case "--warmup" -> warmup = Long.parseLong(value(args, ++i, arg));
                case "--jit-warmup" -> jitWarmup = Long.parseLong(value(args, ++i, arg));
                case "--duration" -> duration = positive(arg, value(args, ++i, arg));
                case "--max-duration" -> maxDuration = positive(arg, value(args, ++i, arg));
                case "--wrk-threads" -> wrkThreads = positive(arg, value(args, ++i, arg));
                case "--wrk-connections" -> wrkConnections = positive(arg, value(args, ++i, arg));
                case "--targets" -> targets = targets(value(args, ++i, arg));
                case "--out" -> out = Path.of(value(args, ++i, arg));
                case "--proxy-jvm-opts" -> jvmOptions = splitFlags(value(args, ++i, arg));
                case "--ready-timeout" -> readyTimeout = positive(arg, value(args, ++i, arg));
                case "--time-limit" -> timeLimit = (long) positive(arg, value(args, ++i, arg));
                case "-h", "--help" -> throw new UsageException("");
                default -> throw new UsageException("unknown option: " + arg);
            }
        }
        if (connections > rate) {
            throw new UsageException("--connections (" + connections + ") must not exceed --rate (" + rate + ")");
        }
        // Generous bound: every phase of every run, plus start-up, times two.
        long phases = (long) runs * targets.size() * (warmup + duration + maxDuration + 2)
                + (long) targets.size() * jitWarmup;
        long limit = timeLimit != null ? timeLimit : 2 * phases + 3 * readyTimeout + 60;
        return new BenchOptions(quick, runs, rate, connections, Duration.ofSeconds(warmup),
                Duration.ofSeconds(jitWarmup),
                Duration.ofSeconds(duration), Duration.ofSeconds(maxDuration), wrkThreads, wrkConnections, targets,
                out, jvmOptions, Duration.ofSeconds(readyTimeout), Duration.ofSeconds(limit));
    }

    private static List<String> targets(String list) {
        List<String> chosen = new ArrayList<>();
        for (String t : list.split(",")) {
            String name = t.trim();
            if (!ALL_TARGETS.contains(name)) {
                throw new UsageException("unknown target '" + name + "'; known: " + String.join(",", ALL_TARGETS));
            }
            chosen.add(name);
        }
        return List.copyOf(chosen);
    }

    private static List<String> splitFlags(String flags) {
        return flags.isBlank() ? List.of() : List.of(flags.trim().split("\\s+"));
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new UsageException(option + " needs a value");
        }
        return args[i];
    }

    private static int positive(String option, String value) {
        try {
            int n = Integer.parseInt(value);
            if (n <= 0) {
                throw new UsageException(option + " must be positive, got " + value);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new UsageException(option + " must be a whole number, got '" + value + "'");
        }
    }

    /** A bad command line: the message says what, then the usage is printed. */
    static final class UsageException extends RuntimeException {
        UsageException(String message) {
            super(message);
        }
    }
}
