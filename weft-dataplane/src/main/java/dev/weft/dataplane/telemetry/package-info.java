/**
 * Telemetry shared by every data plane (sidecar, gateway, proxyless client): Istio's standard request metrics with
 * their names and labels, the workload metadata sidecars exchange so both ends of a hop know the peer, and the
 * Prometheus text exposition.
 *
 * <p>Recording is meant for the request path: a label set is looked up in a concurrent map (its parts are interned
 * — peers by their exchange header, services by cluster name — so a lookup hashes a handful of cached hashes), and
 * counters and histogram buckets are {@link java.util.concurrent.atomic.LongAdder}s, which stay exact under
 * contention without locking. Histograms use Istio's fixed bucket bounds because those are what Prometheus stores
 * and dashboards query; nothing here needs quantiles, so HdrHistogram would add work without adding output.
 * Series are bounded ({@link dev.weft.dataplane.telemetry.RequestMetrics#MAX_SERIES}); label sets past the bound
 * are counted in one overflow series, so a misbehaving peer cannot grow memory without limit.
 */
package dev.weft.dataplane.telemetry;
