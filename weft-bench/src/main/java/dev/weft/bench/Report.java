package dev.weft.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The results of one harness run as a markdown table (for people and the docs) and JSON (for tools). */
record Report(Instant started, Instant finished, BenchOptions options, Map<String, String> environment,
              String loadAverageAtStart, String loadAverageAtEnd, List<TargetSummary> targets,
              Map<String, Double> notes) {

    /** Writes {@code latest.md/json} ({@code latest-quick.*} for --quick runs) and returns the path without suffix. */
    Path write(Path dir) throws IOException {
        Files.createDirectories(dir);
        Path base = dir.resolve(options.quick() ? "latest-quick" : "latest");
        Files.writeString(Path.of(base + ".md"), markdown());
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("started", started.toString());
        json.put("finished", finished.toString());
        json.put("settings", settings());
        json.put("environment", environment);
        json.put("loadAverageAtStart", loadAverageAtStart);
        json.put("loadAverageAtEnd", loadAverageAtEnd);
        json.put("targets", targets);
        json.put("notes", notes);
        // A figure a phase could not produce is NaN in memory and null in JSON (NaN is not JSON).
        com.fasterxml.jackson.databind.module.SimpleModule nanAsNull = new com.fasterxml.jackson.databind.module.SimpleModule();
        com.fasterxml.jackson.databind.JsonSerializer<Double> doubles = new com.fasterxml.jackson.databind.JsonSerializer<>() {
            @Override
            public void serialize(Double v, com.fasterxml.jackson.core.JsonGenerator g,
                                  com.fasterxml.jackson.databind.SerializerProvider p) throws IOException {
                if (v.isNaN() || v.isInfinite()) {
                    g.writeNull();
                } else {
                    g.writeNumber(v);
                }
            }
        };
        nanAsNull.addSerializer(Double.class, doubles);
        nanAsNull.addSerializer(double.class, doubles);
        new ObjectMapper().registerModule(nanAsNull).enable(SerializationFeature.INDENT_OUTPUT)
                .writeValue(Path.of(base + ".json").toFile(), json);
        return base;
    }

    private Map<String, Object> settings() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("quick", options.quick());
        s.put("runs", options.runs());
        s.put("rate", options.rate());
        s.put("connections", options.connections());
        s.put("warmupSeconds", options.warmup().toSeconds());
        s.put("durationSeconds", options.duration().toSeconds());
        s.put("maxDurationSeconds", options.maxDuration().toSeconds());
        s.put("wrkThreads", options.wrkThreads());
        s.put("wrkConnections", options.wrkConnections());
        s.put("proxyJvmOptions", String.join(" ", options.proxyJvmOptions()));
        return s;
    }

    String markdown() {
        StringBuilder md = new StringBuilder();
        md.append("# Weft load benchmark — ").append(options.quick() ? "quick run" : "full run").append("\n\n");
        md.append("- when: ").append(started).append(" (").append(Duration.between(started, finished).toSeconds())
                .append(" s); commit ").append(environment.get("commit")).append('\n');
        md.append("- machine: ").append(environment.get("cpus")).append(" × ").append(environment.get("cpu"))
                .append(", ").append(environment.get("kernel")).append("; load average ").append(loadAverageAtStart)
                .append(" at start, ").append(loadAverageAtEnd).append(" at end\n");
        md.append("- software: ").append(environment.get("java")).append("; ").append(environment.get("nginx"))
                .append("; ").append(environment.get("haproxy")).append('\n');
        md.append("- settings: ").append(options.runs()).append(options.runs() == 1 ? " run" : " runs")
                .append("; latency at ").append(options.rate()).append(" req/s over ").append(options.connections())
                .append(" connections for ").append(options.duration().toSeconds()).append(" s after ")
                .append(options.warmup().toSeconds()).append(" s warm-up").append(jitWarmupText())
                .append("; max throughput: wrk -t")
                .append(options.wrkThreads()).append(" -c").append(options.wrkConnections()).append(" for ")
                .append(options.maxDuration().toSeconds()).append(" s; Weft JVM flags: ")
                .append(options.proxyJvmOptions().isEmpty() ? "launcher defaults"
                        : String.join(" ", options.proxyJvmOptions())).append('\n');
        md.append("- cells: median over runs, (min–max) when more than one run; ratios are computed within each run, ")
                .append("then the median taken\n\n");

        md.append("## Latency at ").append(options.rate()).append(" req/s (ms, coordinated-omission corrected)\n\n");
        md.append("| target | p50 | p90 | p99 | p99.9 | added p50 | added p99 | added p50 ÷ nginx | added p99 ÷ nginx "
                + "| errors |\n|---|---|---|---|---|---|---|---|---|---|\n");
        for (TargetSummary t : measured()) {
            row(md, options.runs(), t, "p50_ms", "p90_ms", "p99_ms", "p999_ms", "added_p50_ms", "added_p99_ms",
                    "added_p50_vs_nginx", "added_p99_vs_nginx", "errors_at_rate");
        }
        md.append("\n## Maximum throughput (closed loop, wrk)\n\n");
        md.append("| target | req/s | ÷ direct | ÷ nginx | wrk p50 ms | wrk p99 ms | errors |\n"
                + "|---|---|---|---|---|---|---|\n");
        for (TargetSummary t : measured()) {
            row(md, options.runs(), t, "max_rps", "max_rps_vs_direct", "max_rps_vs_nginx", "wrk_p50_ms", "wrk_p99_ms",
                    "errors_at_max");
        }
        md.append("\n## Cost of the proxy processes\n\n");
        md.append("| target | processes | CPU s per 1k req at ").append(options.rate())
                .append(" req/s | ÷ nginx | CPU s per 1k req at max | RSS idle MB | RSS at ").append(options.rate())
                .append(" req/s MB | RSS at max MB | ready s |\n|---|---|---|---|---|---|---|---|---|\n");
        for (TargetSummary t : measured()) {
            if (t.proxyProcesses() == 0) {
                continue;
            }
            md.append("| ").append(t.name()).append(" | ").append(t.proxyProcesses()).append(" | ")
                    .append(cell(t.figures().get("cpu_s_per_1k_at_rate"), options.runs())).append(" | ")
                    .append(cell(t.figures().get("cpu_at_rate_vs_nginx"), options.runs())).append(" | ")
                    .append(cell(t.figures().get("cpu_s_per_1k_at_max"), options.runs())).append(" | ")
                    .append(number(t.rssIdleKb() / 1024.0)).append(" | ")
                    .append(cell(t.figures().get("rss_at_rate_mb"), options.runs())).append(" | ")
                    .append(cell(t.figures().get("rss_at_max_mb"), options.runs())).append(" | ")
                    .append(number(t.readySeconds())).append(" |\n");
        }
        if (notes.containsKey("weft_controlplane_rss_idle_mb")) {
            md.append("\nThe Weft control plane (not on the request path, not counted above): ready in ")
                    .append(number(notes.get("weft_controlplane_ready_s"))).append(" s, RSS ")
                    .append(number(notes.get("weft_controlplane_rss_idle_mb"))).append(" MB idle, ")
                    .append(number(notes.getOrDefault("weft_controlplane_rss_end_mb", Double.NaN)))
                    .append(" MB at the end.\n");
        }
        for (TargetSummary t : measured()) {
            for (String failure : t.failedRuns()) {
                md.append("\n- **").append(t.name()).append("** lost ").append(failure).append('\n');
            }
        }
        List<TargetSummary> missing = targets.stream().filter(t -> t.unavailable() != null).toList();
        if (!missing.isEmpty()) {
            md.append("\n## Not measured\n\n");
            for (TargetSummary t : missing) {
                String reason = t.unavailable();
                int nl = reason.indexOf('\n');
                md.append("- **").append(t.name()).append("** (").append(t.description()).append("): ")
                        .append(nl < 0 ? reason : reason.substring(0, nl)).append('\n');
            }
        }
        md.append("\n## Targets\n\n");
        for (TargetSummary t : targets) {
            md.append("- **").append(t.name()).append("**: ").append(t.description()).append('\n');
        }
        return md.toString();
    }

    private List<TargetSummary> measured() {
        return targets.stream().filter(t -> t.unavailable() == null).toList();
    }

    private static void row(StringBuilder md, int runs, TargetSummary t, String... figures) {
        md.append("| ").append(t.name());
        for (String f : figures) {
            md.append(" | ").append(cell(t.figures().get(f), runs));
        }
        md.append(" |\n");
    }

    static String cell(Spread s) {
        return cell(s, 0);
    }

    /** Median and range; says so when only some of the {@code runs} gave a value (a ratio with a zero divisor). */
    static String cell(Spread s, int runs) {
        if (s == null || s.n() == 0) {
            return "–";
        }
        String text = s.n() == 1 ? number(s.median())
                : number(s.median()) + " (" + number(s.min()) + "–" + number(s.max()) + ")";
        return s.n() < runs ? text + " [" + s.n() + " of " + runs + " runs]" : text;
    }

    static String number(double v) {
        if (Double.isNaN(v)) {
            return "–";
        }
        double a = Math.abs(v);
        if (v == Math.rint(v) && (a >= 100 || v == 0)) {
            return String.format(Locale.ROOT, "%.0f", v); // counts, and exact zeros
        }
        String format = a >= 1000 ? "%.0f" : a >= 100 ? "%.1f" : a >= 10 ? "%.2f" : "%.3f";
        return String.format(Locale.ROOT, format, v);
    }

    /** The once-per-target warm-up until the JIT compilers went quiet, as done in this run. */
    private String jitWarmupText() {
        if (options.jitWarmup().isZero()) {
            return "";
        }
        StringBuilder text = new StringBuilder(" (before the first run, each Weft target was loaded with wrk until its "
                + "JIT compilers went quiet, at most " + options.jitWarmup().toSeconds() + " s:");
        notes.forEach((key, seconds) -> {
            if (key.endsWith("_jit_warmup_s")) {
                text.append(' ').append(key, 0, key.length() - "_jit_warmup_s".length()).append(' ')
                        .append(number(seconds)).append(" s,");
            }
        });
        text.setLength(text.length() - 1);
        return text.append(')').toString();
    }
}
