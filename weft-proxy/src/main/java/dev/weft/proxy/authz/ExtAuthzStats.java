package dev.weft.proxy.authz;

import dev.weft.dataplane.telemetry.PrometheusText;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Envoy's ext_authz counters per connection manager ({@code http.<prefix>.ext_authz.ok/denied/error/
 * failure_mode_allowed}), exported as {@code envoy_http_ext_authz_*} with label {@code http_conn_manager_prefix}.
 */
public final class ExtAuthzStats {
    /** The counters of one connection manager; counted from any event loop. */
    public static final class Counters {
        final LongAdder ok = new LongAdder();
        final LongAdder denied = new LongAdder();
        final LongAdder error = new LongAdder();
        final LongAdder failureModeAllowed = new LongAdder();
    }

    private final Map<String, Counters> byPrefix = new ConcurrentHashMap<>();

    public Counters of(String statPrefix) {
        Counters c = byPrefix.get(statPrefix);
        return c != null ? c : byPrefix.computeIfAbsent(statPrefix, k -> new Counters());
    }

    public void writePrometheus(StringBuilder out) {
        if (byPrefix.isEmpty()) {
            return;
        }
        Map<String, Counters> sorted = new TreeMap<>(byPrefix);
        counter(out, sorted, "envoy_http_ext_authz_ok", "Requests the external authorizer allowed.", 0);
        counter(out, sorted, "envoy_http_ext_authz_denied", "Requests the external authorizer denied.", 1);
        counter(out, sorted, "envoy_http_ext_authz_error", "Checks that failed (authorizer unreachable, timeout, bad"
                + " answer).", 2);
        counter(out, sorted, "envoy_http_ext_authz_failure_mode_allowed", "Failed checks let through (failOpen).", 3);
    }

    private static void counter(StringBuilder out, Map<String, Counters> sorted, String name, String help, int which) {
        PrometheusText.type(out, name, "counter", help);
        sorted.forEach((prefix, c) -> PrometheusText.sample(out, name,
                PrometheusText.labels("http_conn_manager_prefix", prefix), switch (which) {
                    case 0 -> c.ok.sum();
                    case 1 -> c.denied.sum();
                    case 2 -> c.error.sum();
                    default -> c.failureModeAllowed.sum();
                }));
    }
}
