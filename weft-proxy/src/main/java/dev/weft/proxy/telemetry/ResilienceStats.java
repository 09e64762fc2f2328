package dev.weft.proxy.telemetry;

import dev.weft.dataplane.telemetry.PrometheusText;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * A proxy's counters of what its resilience filters did, bumped from every event loop ({@link LongAdder}s) and
 * written with Envoy's stat names where Envoy has them: the local rate limit's {@code enabled / ok / rate_limited /
 * enforced} per stat prefix, the fault filter's {@code delays_injected / aborts_injected} per connection manager,
 * and (Weft's own, Envoy counts shadows only as cluster traffic) mirrored requests sent and dropped.
 */
public final class ResilienceStats {
    /** Envoy's {@code <stat_prefix>.http_local_rate_limit.*}. */
    public static final class RateLimitCounters {
        public final LongAdder enabled = new LongAdder();
        public final LongAdder ok = new LongAdder();
        public final LongAdder rateLimited = new LongAdder();
        public final LongAdder enforced = new LongAdder();
    }

    /** Envoy's {@code http.<stat_prefix>.fault.*}. */
    public static final class FaultCounters {
        public final LongAdder delaysInjected = new LongAdder();
        public final LongAdder abortsInjected = new LongAdder();
    }

    /** Copies of requests for one mirror cluster. */
    public static final class MirrorCounters {
        public final LongAdder sent = new LongAdder();
        /** Not mirrored: the body was larger than the mirror buffer. */
        public final LongAdder droppedBodyTooLarge = new LongAdder();
        /** Not mirrored: the mirror cluster is unknown or has no healthy endpoint. */
        public final LongAdder droppedNoUpstream = new LongAdder();
    }

    private final Map<String, RateLimitCounters> rateLimits = new ConcurrentHashMap<>();
    private final Map<String, FaultCounters> faults = new ConcurrentHashMap<>();
    private final Map<String, MirrorCounters> mirrors = new ConcurrentHashMap<>();

    public RateLimitCounters rateLimit(String statPrefix) {
        return rateLimits.computeIfAbsent(statPrefix, p -> new RateLimitCounters());
    }

    /** The fault counters of the connection manager with this stat prefix (e.g. {@code outbound}). */
    public FaultCounters fault(String statPrefix) {
        FaultCounters c = faults.get(statPrefix); // the common case allocates nothing
        return c != null ? c : faults.computeIfAbsent(statPrefix, p -> new FaultCounters());
    }

    public MirrorCounters mirror(String cluster) {
        MirrorCounters c = mirrors.get(cluster);
        return c != null ? c : mirrors.computeIfAbsent(cluster, p -> new MirrorCounters());
    }

    public void writePrometheus(StringBuilder out) {
        Map<String, RateLimitCounters> rl = new TreeMap<>(rateLimits);
        counter(out, "envoy_http_local_rate_limit_enabled", "Requests the local rate limit judged.", rl,
                "stat_prefix", c -> c.enabled.sum());
        counter(out, "envoy_http_local_rate_limit_ok", "Requests that found a token.", rl,
                "stat_prefix", c -> c.ok.sum());
        counter(out, "envoy_http_local_rate_limit_rate_limited", "Requests that found no token (enforced or not).",
                rl, "stat_prefix", c -> c.rateLimited.sum());
        counter(out, "envoy_http_local_rate_limit_enforced", "Requests refused by the local rate limit.", rl,
                "stat_prefix", c -> c.enforced.sum());
        Map<String, FaultCounters> f = new TreeMap<>(faults);
        counter(out, "envoy_http_fault_delays_injected", "Requests delayed by fault injection.", f,
                "http_conn_manager_prefix", c -> c.delaysInjected.sum());
        counter(out, "envoy_http_fault_aborts_injected", "Requests aborted by fault injection.", f,
                "http_conn_manager_prefix", c -> c.abortsInjected.sum());
        Map<String, MirrorCounters> m = new TreeMap<>(mirrors);
        counter(out, "weft_http_mirror_requests_sent", "Mirrored copies sent to the cluster.", m,
                "cluster_name", c -> c.sent.sum());
        PrometheusText.type(out, "weft_http_mirror_requests_dropped", "counter",
                "Requests the mirror policy chose but that were not mirrored, by reason.");
        for (var e : m.entrySet()) {
            PrometheusText.sample(out, "weft_http_mirror_requests_dropped", PrometheusText.labels("cluster_name",
                    e.getKey(), "reason", "body_too_large"), e.getValue().droppedBodyTooLarge.sum());
            PrometheusText.sample(out, "weft_http_mirror_requests_dropped", PrometheusText.labels("cluster_name",
                    e.getKey(), "reason", "no_healthy_upstream"), e.getValue().droppedNoUpstream.sum());
        }
    }

    private static <C> void counter(StringBuilder out, String name, String help, Map<String, C> byLabel,
                                    String label, java.util.function.ToLongFunction<C> value) {
        PrometheusText.type(out, name, "counter", help);
        for (var e : byLabel.entrySet()) {
            PrometheusText.sample(out, name, PrometheusText.labels(label, e.getKey()), value.applyAsLong(e.getValue()));
        }
    }
}
