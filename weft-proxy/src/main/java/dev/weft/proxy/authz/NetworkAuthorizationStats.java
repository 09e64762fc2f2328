package dev.weft.proxy.authz;

import dev.weft.dataplane.telemetry.PrometheusText;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Connections allowed and denied by network RBAC, per listener: Envoy's {@code tcp.rbac.allowed} /
 * {@code tcp.rbac.denied} (Istio's stat_prefix {@code tcp.}), exported as {@code envoy_tcp_rbac_allowed} and
 * {@code envoy_tcp_rbac_denied} with a {@code listener} label. Counted once per connection, from any event loop.
 */
public final class NetworkAuthorizationStats {
    private final Map<String, LongAdder[]> byListener = new ConcurrentHashMap<>();

    public void record(String listener, boolean allowed) {
        byListener.computeIfAbsent(listener, k -> new LongAdder[]{new LongAdder(), new LongAdder()})[allowed ? 0 : 1]
                .increment();
    }

    public long denied(String listener) {
        LongAdder[] c = byListener.get(listener);
        return c == null ? 0 : c[1].sum();
    }

    public void writePrometheus(StringBuilder out) {
        if (byListener.isEmpty()) {
            return;
        }
        Map<String, LongAdder[]> sorted = new TreeMap<>(byListener);
        PrometheusText.type(out, "envoy_tcp_rbac_allowed", "counter",
                "Connections allowed by the listener's network RBAC filters (AuthorizationPolicy).");
        sorted.forEach((l, c) -> PrometheusText.sample(out, "envoy_tcp_rbac_allowed", PrometheusText.labels("listener", l),
                c[0].sum()));
        PrometheusText.type(out, "envoy_tcp_rbac_denied", "counter",
                "Connections closed by the listener's network RBAC filters right after the mTLS handshake.");
        sorted.forEach((l, c) -> PrometheusText.sample(out, "envoy_tcp_rbac_denied", PrometheusText.labels("listener", l),
                c[1].sum()));
    }
}
