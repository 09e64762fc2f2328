/**
 * The control plane's own metrics at {@code GET /metrics} (Prometheus text format), under Istio's istiod names where
 * Istio has one ({@code pilot_xds}, {@code pilot_xds_pushes}, {@code pilot_xds_push_time},
 * {@code pilot_proxy_convergence_time}, {@code pilot_total_xds_rejects}, {@code pilot_push_triggers}) so istiod
 * dashboards work. The control plane does not depend on data-plane code, so this package writes the text format
 * itself.
 */
package dev.weft.controlplane.telemetry;
