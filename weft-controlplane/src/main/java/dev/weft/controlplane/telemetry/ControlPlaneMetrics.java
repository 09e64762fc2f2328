package dev.weft.controlplane.telemetry;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntSupplier;

/**
 * Counters and histograms of the control plane's work: config changes and pushes, responses sent per xDS type and
 * how long generating them took, NACKs, and convergence — from the change event that started a push until a proxy
 * ACKed the response carrying it (recorded per proxy and type). Thread-safe; recording takes no lock.
 */
public final class ControlPlaneMetrics {
    /** Istio's buckets for pilot_proxy_convergence_time (seconds). */
    static final double[] CONVERGENCE_BUCKETS = {0.1, 0.5, 1, 3, 5, 10, 20, 30};
    /** Istio's buckets for pilot_xds_push_time (seconds). */
    static final double[] PUSH_TIME_BUCKETS = {0.01, 0.1, 1, 3, 5, 10, 20, 30};
    private static final int REMEMBERED_PUSHES = 64;

    private final AtomicLong pendingSinceNanos = new AtomicLong();
    private final ConcurrentSkipListMap<Long, Long> triggerNanosByPush = new ConcurrentSkipListMap<>();
    private final Map<String, LongAdder> pushTriggers = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> responsesSent = new ConcurrentHashMap<>();
    private final Map<String, Histogram> pushTime = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> rejects = new ConcurrentHashMap<>();
    private final Histogram convergence = new Histogram(CONVERGENCE_BUCKETS);
    private final LongAdder pushes = new LongAdder();
    private final LongAdder generationErrors = new LongAdder();
    private final LongAdder configRejected = new LongAdder();
    private final LongAdder streamsRefused = new LongAdder();
    private volatile IntSupplier connectedProxies = () -> 0;
    private volatile IntSupplier configErrors = () -> 0;

    /** Gauges read when scraped. */
    public void gauges(IntSupplier connectedProxies, IntSupplier configErrors) {
        this.connectedProxies = connectedProxies;
        this.configErrors = configErrors;
    }

    /** A change arrived (config files, registry); the first one since the last push starts the convergence clock. */
    public void onChangeEvent() {
        pendingSinceNanos.compareAndSet(0, System.nanoTime());
    }

    /** A push context was built for these reasons. */
    public void onPush(long pushVersion, Iterable<? extends Enum<?>> reasons) {
        pushes.increment();
        for (Enum<?> r : reasons) {
            pushTriggers.computeIfAbsent(r.name().toLowerCase(Locale.ROOT), k -> new LongAdder()).increment();
        }
        long since = pendingSinceNanos.getAndSet(0);
        if (since != 0) {
            triggerNanosByPush.put(pushVersion, since);
            while (triggerNanosByPush.size() > REMEMBERED_PUSHES) {
                triggerNanosByPush.pollFirstEntry();
            }
        }
    }

    /** The config change was rejected by validation: nothing is pushed. */
    public void onConfigRejected() {
        configRejected.increment();
        pendingSinceNanos.set(0);
    }

    /** A response of {@code type} (e.g. {@code cds}) went to a proxy; generating it took {@code generationNanos}. */
    public void onResponseSent(String type, long generationNanos) {
        responsesSent.computeIfAbsent(type, k -> new LongAdder()).increment();
        pushTime.computeIfAbsent(type, k -> new Histogram(PUSH_TIME_BUCKETS)).record(generationNanos / 1e9);
    }

    public void onGenerationError() {
        generationErrors.increment();
    }

    /** An xDS stream was refused because its node claimed an identity its transport did not prove. */
    public void onStreamRefused() {
        streamsRefused.increment();
    }

    public long streamsRefused() {
        return streamsRefused.sum();
    }

    public void onNack(String type) {
        rejects.computeIfAbsent(type, k -> new LongAdder()).increment();
    }

    /** A proxy ACKed a response built from push context {@code pushVersion}. */
    public void onAck(long pushVersion) {
        Long trigger = triggerNanosByPush.get(pushVersion);
        if (trigger != null) {
            convergence.record((System.nanoTime() - trigger) / 1e9);
        }
    }

    public long convergenceCount() {
        return convergence.count();
    }

    public String prometheusText() {
        StringBuilder out = new StringBuilder(4096);
        type(out, "pilot_xds", "gauge", "Proxies connected over xDS.");
        out.append("pilot_xds ").append(connectedProxies.getAsInt()).append('\n');
        type(out, "pilot_push_triggers", "counter", "Push triggers, by reason.");
        new TreeMap<>(pushTriggers).forEach((k, v) -> out.append("pilot_push_triggers{type=\"").append(k).append("\"} ")
                .append(v.sum()).append('\n'));
        type(out, "weft_pushes_total", "counter", "Push contexts built and pushed to the connected proxies.");
        out.append("weft_pushes_total ").append(pushes.sum()).append('\n');
        type(out, "pilot_xds_pushes", "counter", "xDS responses sent, by type.");
        new TreeMap<>(responsesSent).forEach((k, v) -> out.append("pilot_xds_pushes{type=\"").append(k).append("\"} ")
                .append(v.sum()).append('\n'));
        type(out, "pilot_xds_push_time", "histogram", "Seconds spent generating an xDS response, by type.");
        new TreeMap<>(pushTime).forEach((k, h) -> h.write(out, "pilot_xds_push_time", "type=\"" + k + "\""));
        type(out, "pilot_proxy_convergence_time", "histogram",
                "Seconds from a config or registry change until a proxy ACKed the config carrying it.");
        convergence.write(out, "pilot_proxy_convergence_time", "");
        type(out, "pilot_total_xds_rejects", "counter", "xDS responses proxies rejected (NACKs), by type.");
        new TreeMap<>(rejects).forEach((k, v) -> out.append("pilot_total_xds_rejects{type=\"").append(k)
                .append("\"} ").append(v.sum()).append('\n'));
        type(out, "pilot_total_xds_internal_errors", "counter", "xDS responses that could not be generated.");
        out.append("pilot_total_xds_internal_errors ").append(generationErrors.sum()).append('\n');
        type(out, "weft_xds_streams_refused_total", "counter",
                "xDS streams refused (PERMISSION_DENIED): an identity the client certificate does not prove, or an "
                        + "unauthenticated endpoint registration.");
        out.append("weft_xds_streams_refused_total ").append(streamsRefused.sum()).append('\n');
        type(out, "weft_config_rejected_total", "counter", "Config changes rejected by validation (nothing pushed).");
        out.append("weft_config_rejected_total ").append(configRejected.sum()).append('\n');
        type(out, "weft_config_errors", "gauge", "Errors of the last rejected config change; 0 when the files are served.");
        out.append("weft_config_errors ").append(configErrors.getAsInt()).append('\n');
        return out.toString();
    }

    private static void type(StringBuilder out, String name, String type, String help) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    /** A fixed-bucket histogram with lock-free recording. */
    static final class Histogram {
        private final double[] bounds;
        private final LongAdder[] counts;
        private final DoubleAdder sum = new DoubleAdder();

        Histogram(double[] bounds) {
            this.bounds = bounds;
            this.counts = new LongAdder[bounds.length + 1];
            for (int i = 0; i < counts.length; i++) {
                counts[i] = new LongAdder();
            }
        }

        void record(double value) {
            int i = 0;
            while (i < bounds.length && value > bounds[i]) {
                i++;
            }
            counts[i].increment();
            sum.add(value);
        }

        long count() {
            long c = 0;
            for (LongAdder a : counts) {
                c += a.sum();
            }
            return c;
        }

        void write(StringBuilder out, String name, String labels) {
            long cumulative = 0;
            String sep = labels.isEmpty() ? "" : ",";
            for (int i = 0; i < counts.length; i++) {
                cumulative += counts[i].sum();
                out.append(name).append("_bucket{").append(labels).append(sep).append("le=\"")
                        .append(i < bounds.length ? Double.toString(bounds[i]) : "+Inf").append("\"} ")
                        .append(cumulative).append('\n');
            }
            String braces = labels.isEmpty() ? "" : "{" + labels + "}";
            out.append(name).append("_sum").append(braces).append(' ').append(sum.sum()).append('\n');
            out.append(name).append("_count").append(braces).append(' ').append(cumulative).append('\n');
        }
    }
}
