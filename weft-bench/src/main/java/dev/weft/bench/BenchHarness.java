package dev.weft.bench;

import dev.weft.bench.load.LatencyResult;
import dev.weft.bench.load.OpenLoopLoadGenerator;
import dev.weft.bench.load.ThroughputResult;
import dev.weft.bench.load.WrkRunner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * The load harness: starts a backend and every target side by side on loopback, measures each target in turn in
 * every run (latency at a constant rate, then maximum throughput, with the proxies' CPU and memory), and writes the
 * medians, spreads and within-run ratios as markdown and JSON. Everything it starts is ended when it returns, on
 * Ctrl-C, and when the time limit passes.
 */
public final class BenchHarness {
    private final BenchOptions options;

    private BenchHarness(BenchOptions options) {
        this.options = options;
    }

    public static void main(String[] args) throws Exception {
        BenchOptions options;
        try {
            options = BenchOptions.parse(args);
        } catch (BenchOptions.UsageException | NumberFormatException e) {
            if (!e.getMessage().isEmpty()) {
                System.err.println("weft-bench: " + e.getMessage());
            }
            System.err.print(BenchOptions.USAGE);
            System.exit(e.getMessage().isEmpty() ? 0 : 2);
            return;
        }
        startWatchdog(options);
        new BenchHarness(options).run();
        System.exit(0);
    }

    /** Ends the JVM (and, through the shutdown hook, every process started) when the time limit passes. */
    private static void startWatchdog(BenchOptions options) {
        Thread watchdog = new Thread(() -> {
            try {
                Thread.sleep(options.timeLimit().toMillis());
                System.err.println("weft-bench: time limit of " + options.timeLimit().toSeconds()
                        + " s reached; stopping everything");
                System.exit(3);
            } catch (InterruptedException e) {
                // harness finished first
            }
        }, "bench-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
    }

    private void run() throws Exception {
        String wrk = Executables.require("wrk", "apt-get install -y wrk");
        Path workDir = Files.createTempDirectory("weft-bench-");
        log("work dir " + workDir + " (configs, pid and log files); time limit " + options.timeLimit().toSeconds()
                + " s");
        Instant started = Instant.now();
        String loadAtStart = Environment.loadAverage();
        List<TargetSummary> summaries;
        Map<String, Double> notes = new LinkedHashMap<>();
        try (ProcessRegistry processes = new ProcessRegistry(workDir);
             OpenLoopLoadGenerator generator = new OpenLoopLoadGenerator()) {
            log(BenchContext.ensureAotCache(processes));
            int backendPort = BenchContext.freePort();
            ManagedProcess backend = processes.start("backend", BenchContext.javaCommand(
                    List.of("-Xmx256m", "-XX:+UseParallelGC"), BackendServer.class.getName(),
                    List.of("--port", Integer.toString(backendPort), "--threads", "2")));
            BenchContext context = new BenchContext(workDir, processes, backendPort, options.proxyJvmOptions(),
                    options.readyTimeout());
            context.awaitBackendReachable("backend", backendPort, "backend", backend.startedNanos(),
                    List.of(backend));

            Map<String, RunningTarget> running = new LinkedHashMap<>();
            Map<String, String> unavailable = new LinkedHashMap<>();
            Map<String, Target> targets = new LinkedHashMap<>();
            for (String name : options.targets()) {
                Target target = targetNamed(name);
                targets.put(name, target);
                try {
                    log("starting " + name + ": " + target.description());
                    RunningTarget r = target.start(context);
                    running.put(name, r);
                    log(name + " ready in " + String.format("%.2f", r.readySeconds()) + " s on 127.0.0.1:" + r.port());
                } catch (TargetUnavailableException | IOException e) {
                    unavailable.put(name, e.getMessage());
                    log(name + " unavailable: " + e.getMessage());
                }
            }
            Thread.sleep(2_000); // let start-up work (JIT, GC) settle before reading idle memory
            Map<String, Long> idleRss = new LinkedHashMap<>();
            running.forEach((name, r) -> idleRss.put(name, ProcessStats.rssKb(r.proxyProcesses())));
            WeftControlPlane.started().ifPresent(cp -> {
                notes.put("weft_controlplane_rss_idle_mb", ProcessStats.rssKb(List.of(cp.handle())) / 1024.0);
                notes.put("weft_controlplane_ready_s", cp.readySeconds());
            });

            WrkRunner wrkRunner = new WrkRunner(wrk);
            warmUpCompilers(running.values(), wrkRunner, notes);
            Map<String, List<RunMeasurement>> measurements = new LinkedHashMap<>();
            Map<String, List<String>> failures = new LinkedHashMap<>();
            running.keySet().forEach(name -> measurements.put(name, new ArrayList<>()));
            List<RunningTarget> order = new ArrayList<>(running.values());
            for (int run = 1; run <= options.runs(); run++) {
                for (RunningTarget target : order) {
                    try {
                        measurements.get(target.name()).add(measure(run, target, generator, wrkRunner));
                    } catch (IOException e) {
                        // A proxy that dies or stops answering loses this run; the others still count.
                        failures.computeIfAbsent(target.name(), n -> new ArrayList<>())
                                .add("run " + run + ": " + e.getMessage());
                        log("run " + run + " " + target.name() + " failed: " + e.getMessage());
                    }
                }
                // Rotate so no target is always measured first (or right after the same neighbour).
                if (!order.isEmpty()) {
                    order.add(order.removeFirst());
                }
            }
            summaries = summarize(targets, running, unavailable, idleRss, measurements, failures);
            WeftControlPlane.started().ifPresent(cp -> notes.put("weft_controlplane_rss_end_mb",
                    ProcessStats.rssKb(List.of(cp.handle())) / 1024.0));
        }
        Report report = new Report(started, Instant.now(), options, Environment.describe(), loadAtStart,
                Environment.loadAverage(), summaries, notes);
        Path written = report.write(options.out());
        System.out.println();
        System.out.println(report.markdown());
        log("results written to " + written + " (.md and .json)");
    }

    /** Once per target, before the first run: saturating load until the JIT is done with the request path. */
    private void warmUpCompilers(Iterable<RunningTarget> targets, WrkRunner wrk, Map<String, Double> notes)
            throws InterruptedException {
        if (options.jitWarmup().isZero()) {
            return;
        }
        JitWarmup warmup = new JitWarmup(wrk, options.wrkThreads(), options.wrkConnections());
        for (RunningTarget target : targets) {
            if (!JitWarmup.applies(target)) {
                continue;
            }
            try {
                JitWarmup.Outcome o = warmup.run(target, options.jitWarmup());
                notes.put(target.name() + "_jit_warmup_s", o.seconds());
                log(String.format("%s JIT warm-up: %.0f s of load, compilers %s (%.2f s of compiler CPU)",
                        target.name(), o.seconds(), o.quiet() ? "quiet" : "still busy at the limit",
                        o.compilerSeconds()));
            } catch (IOException e) {
                log(target.name() + " JIT warm-up failed: " + e.getMessage()); // its runs will say whether it works
            }
        }
    }

    private RunMeasurement measure(int run, RunningTarget target, OpenLoopLoadGenerator generator,
                                   WrkRunner wrk) throws IOException, InterruptedException {
        List<ProcessHandle> procs = target.proxyProcesses();
        if (!options.warmup().isZero()) {
            generator.run(settings(target, options.warmup()));
        }
        double cpuBefore = ProcessStats.cpuSeconds(procs);
        LatencyResult latency;
        long rssAtRate;
        try (RssSampler sampler = new RssSampler(procs)) {
            latency = generator.run(settings(target, options.duration()));
            rssAtRate = sampler.peakKb();
        }
        double cpuAtRate = ProcessStats.cpuSeconds(procs) - cpuBefore;

        cpuBefore = ProcessStats.cpuSeconds(procs);
        ThroughputResult throughput;
        long rssAtMax;
        try (RssSampler sampler = new RssSampler(procs)) {
            throughput = wrk.run(target.port(), target.hostHeader(), options.wrkThreads(), options.wrkConnections(),
                    options.maxDuration());
            rssAtMax = sampler.peakKb();
        }
        double cpuAtMax = ProcessStats.cpuSeconds(procs) - cpuBefore;

        boolean hasProxy = !procs.isEmpty();
        RunMeasurement m = new RunMeasurement(target.name(), run, latency, throughput,
                hasProxy ? cpuAtRate / latency.requests() * 1000 : Double.NaN,
                hasProxy ? cpuAtMax / throughput.requests() * 1000 : Double.NaN, rssAtRate, rssAtMax);
        log(String.format("run %d %-16s p50 %.3f p99 %.3f p99.9 %.3f ms (errors %d) | max %.0f req/s | "
                        + "cpu %.3f s/1k req | rss %d MB", run, target.name(), latency.p50Ms(), latency.p99Ms(),
                latency.p999Ms(), latency.errors() + latency.timeouts(), throughput.requestsPerSecond(),
                m.cpuSecondsPer1kAtRate(), rssAtRate / 1024));
        return m;
    }

    private OpenLoopLoadGenerator.Settings settings(RunningTarget target, java.time.Duration duration) {
        return new OpenLoopLoadGenerator.Settings("127.0.0.1", target.port(), target.hostHeader(), "/",
                options.rate(), options.connections(), duration);
    }

    private List<TargetSummary> summarize(Map<String, Target> targets, Map<String, RunningTarget> running,
                                          Map<String, String> unavailable, Map<String, Long> idleRss,
                                          Map<String, List<RunMeasurement>> measurements,
                                          Map<String, List<String>> failures) {
        List<TargetSummary> out = new ArrayList<>();
        for (Map.Entry<String, Target> e : targets.entrySet()) {
            String name = e.getKey();
            Target target = e.getValue();
            RunningTarget r = running.get(name);
            if (r == null) {
                out.add(new TargetSummary(name, target.description(), unavailable.get(name), 0, Double.NaN, 0,
                        Map.of(), List.of(), List.of()));
                continue;
            }
            List<RunMeasurement> runs = measurements.get(name);
            List<RunMeasurement> direct = measurements.get("direct");
            List<RunMeasurement> nginx = measurements.get("nginx");
            Map<String, Spread> f = new LinkedHashMap<>();
            f.put("p50_ms", spread(runs, m -> m.latency().p50Ms()));
            f.put("p90_ms", spread(runs, m -> m.latency().p90Ms()));
            f.put("p99_ms", spread(runs, m -> m.latency().p99Ms()));
            f.put("p999_ms", spread(runs, m -> m.latency().p999Ms()));
            f.put("max_ms", spread(runs, m -> m.latency().maxMs()));
            f.put("achieved_rate", spread(runs, m -> m.latency().achievedRate()));
            f.put("errors_at_rate", spread(runs, m -> m.latency().errors() + m.latency().timeouts()));
            f.put("added_p50_ms", relative(runs, direct, m -> m.latency().p50Ms(), false));
            f.put("added_p90_ms", relative(runs, direct, m -> m.latency().p90Ms(), false));
            f.put("added_p99_ms", relative(runs, direct, m -> m.latency().p99Ms(), false));
            f.put("added_p999_ms", relative(runs, direct, m -> m.latency().p999Ms(), false));
            f.put("added_p50_vs_nginx", addedRatio(runs, direct, nginx, m -> m.latency().p50Ms()));
            f.put("added_p99_vs_nginx", addedRatio(runs, direct, nginx, m -> m.latency().p99Ms()));
            f.put("max_rps", spread(runs, m -> m.throughput().requestsPerSecond()));
            f.put("max_rps_vs_direct", relative(runs, direct, m -> m.throughput().requestsPerSecond(), true));
            f.put("max_rps_vs_nginx", relative(runs, nginx, m -> m.throughput().requestsPerSecond(), true));
            f.put("wrk_p50_ms", spread(runs, m -> m.throughput().p50Ms()));
            f.put("wrk_p99_ms", spread(runs, m -> m.throughput().p99Ms()));
            f.put("errors_at_max", spread(runs, m -> m.throughput().errors()));
            f.put("cpu_s_per_1k_at_rate", spread(runs, RunMeasurement::cpuSecondsPer1kAtRate));
            f.put("cpu_at_rate_vs_nginx", relative(runs, nginx, RunMeasurement::cpuSecondsPer1kAtRate, true));
            f.put("cpu_s_per_1k_at_max", spread(runs, RunMeasurement::cpuSecondsPer1kAtMax));
            f.put("rss_at_rate_mb", spread(runs, m -> m.rssAtRateKb() / 1024.0));
            f.put("rss_at_max_mb", spread(runs, m -> m.rssAtMaxKb() / 1024.0));
            out.add(new TargetSummary(name, target.description(), null,
                    ProcessStats.expand(r.proxyProcesses()).size(), r.readySeconds(),
                    idleRss.getOrDefault(name, 0L), f, runs, failures.getOrDefault(name, List.of())));
        }
        return out;
    }

    private static Spread spread(List<RunMeasurement> runs, ToDoubleFunction<RunMeasurement> figure) {
        return Spread.of(runs.stream().map(m -> figure.applyAsDouble(m)).toList());
    }

    /** Per run: the figure minus (or, with {@code ratio}, divided by) the baseline's figure from the same run. */
    private static Spread relative(List<RunMeasurement> runs, List<RunMeasurement> baseline,
                                   ToDoubleFunction<RunMeasurement> figure, boolean ratio) {
        if (baseline == null || baseline.isEmpty()) {
            return Spread.of(List.of());
        }
        Map<Integer, RunMeasurement> baseByRun = byRun(baseline);
        List<Double> values = new ArrayList<>();
        for (RunMeasurement m : runs) {
            RunMeasurement b = baseByRun.get(m.run());
            if (b != null) {
                double mine = figure.applyAsDouble(m);
                double base = figure.applyAsDouble(b);
                values.add(ratio ? (base == 0 ? Double.NaN : mine / base) : mine - base);
            }
        }
        return Spread.of(values);
    }

    /** Per run: this target's latency added over direct, divided by nginx's added latency in the same run. */
    private static Spread addedRatio(List<RunMeasurement> runs, List<RunMeasurement> direct,
                                     List<RunMeasurement> nginx, ToDoubleFunction<RunMeasurement> figure) {
        if (direct == null || nginx == null || runs == direct) {
            return Spread.of(List.of());
        }
        Map<Integer, RunMeasurement> directByRun = byRun(direct);
        Map<Integer, RunMeasurement> nginxByRun = byRun(nginx);
        List<Double> values = new ArrayList<>();
        for (RunMeasurement m : runs) {
            RunMeasurement d = directByRun.get(m.run());
            RunMeasurement n = nginxByRun.get(m.run());
            if (d != null && n != null) {
                double base = figure.applyAsDouble(d);
                double nginxAdded = figure.applyAsDouble(n) - base;
                double added = figure.applyAsDouble(m) - base;
                values.add(nginxAdded <= 0 ? Double.NaN : added / nginxAdded);
            }
        }
        return Spread.of(values);
    }

    private static Map<Integer, RunMeasurement> byRun(List<RunMeasurement> runs) {
        Map<Integer, RunMeasurement> map = new java.util.HashMap<>();
        runs.forEach(m -> map.put(m.run(), m));
        return map;
    }

    private static Target targetNamed(String name) {
        return switch (name) {
            case "direct" -> new DirectTarget();
            case "nginx" -> new NginxTarget();
            case "haproxy" -> new HaproxyTarget();
            case "weft-1-sidecar" -> new WeftSidecarTarget();
            case "weft-2-sidecars" -> new WeftMeshTarget(false);
            case "weft-2-sidecars-mtls" -> new WeftMeshTarget(true);
            default -> throw new IllegalArgumentException("unknown target " + name);
        };
    }

    static void log(String message) {
        System.err.println("[weft-bench " + java.time.LocalTime.now().withNano(0) + "] " + message);
    }
}
