package dev.weft.controlplane.generator;

import com.google.protobuf.Any;
import com.google.protobuf.util.Durations;
import dev.weft.config.LocalRateLimits;
import dev.weft.config.model.HttpMatchRequest;
import dev.weft.config.model.LocalRateLimit;
import dev.weft.config.model.LocalRateLimitSpec;
import dev.weft.config.model.LocalRateLimitSpec.TokenBucket;
import io.envoyproxy.envoy.config.core.v3.RuntimeFractionalPercent;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.common.ratelimit.v3.XRateLimitHeadersRFCVersion;
import io.envoyproxy.envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit.Builder;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import io.envoyproxy.envoy.type.v3.HttpStatus;
import java.util.Map;

/**
 * Weft's {@code LocalRateLimit} → Envoy's {@code envoy.filters.http.local_ratelimit} on the workload's inbound
 * connection manager, after the RBAC filters and before the router. The workload-wide bucket is the filter's own
 * config; each route limit becomes a route (its match, same inbound cluster) placed before the catch-all route, with
 * its bucket in {@code typed_per_filter_config} (a per-route config replaces the listener's, so a request takes
 * exactly one bucket). Emitted only for workloads a LocalRateLimit selects.
 */
final class LocalRateLimitTranslator {
    static final String FILTER = "envoy.filters.http.local_ratelimit";
    /** The stat prefix Istio's examples use; the proxy reports the filter's counters under it. */
    static final String STAT_PREFIX = "http_local_rate_limiter";

    private LocalRateLimitTranslator() {}

    /** {@code hcm} with the limit of the workload applied, or {@code hcm} itself when no LocalRateLimit selects it. */
    static HttpConnectionManager apply(HttpConnectionManager hcm, java.util.List<LocalRateLimit> limits,
                                       String namespace, Map<String, String> labels) {
        LocalRateLimit limit = LocalRateLimits.selecting(limits, namespace, labels);
        if (limit == null) {
            return hcm;
        }
        LocalRateLimitSpec spec = limit.spec();
        HttpConnectionManager.Builder b = hcm.toBuilder();
        b.addHttpFilters(b.getHttpFiltersCount() - 1, HttpFilter.newBuilder().setName(FILTER)
                .setTypedConfig(Any.pack(filterConfig(spec, spec.tokenBucket()))));
        if (!spec.routes().isEmpty()) {
            RouteConfiguration.Builder routes = b.getRouteConfigBuilder();
            VirtualHost.Builder vh = routes.getVirtualHostsBuilder(0);
            Route catchAll = vh.getRoutes(vh.getRoutesCount() - 1);
            for (int i = 0; i < spec.routes().size(); i++) {
                LocalRateLimitSpec.RouteLimit r = spec.routes().get(i);
                vh.addRoutes(i, catchAll.toBuilder()
                        .setName(r.name())
                        .setMatch(HttpRouteTranslator.match(new HttpMatchRequest(null, r.match().uri(), null,
                                r.match().method(), null, null, null, null, null, null, null, null, null)))
                        .putTypedPerFilterConfig(FILTER, Any.pack(filterConfig(spec, r.tokenBucket()))));
            }
        }
        return b.build();
    }

    /** The filter's config: enabled and enforced for every request when it has a bucket, inert without one. */
    private static io.envoyproxy.envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit filterConfig(
            LocalRateLimitSpec spec, TokenBucket bucket) {
        Builder out = io.envoyproxy.envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit.newBuilder()
                .setStatPrefix(STAT_PREFIX);
        if (bucket == null) {
            return out.build(); // filter_enabled defaults to 0%: only routes with their own config limit
        }
        out.setTokenBucket(io.envoyproxy.envoy.type.v3.TokenBucket.newBuilder()
                        .setMaxTokens((int) (long) bucket.maxTokens())
                        .setTokensPerFill(com.google.protobuf.UInt32Value.of((int) bucket.effectiveTokensPerFill()))
                        .setFillInterval(Durations.fromNanos(bucket.fillInterval().toNanos())))
                .setFilterEnabled(ALL)
                .setFilterEnforced(ALL);
        if (spec.statusCode() != null && spec.effectiveStatusCode() != LocalRateLimitSpec.DEFAULT_STATUS) {
            out.setStatus(HttpStatus.newBuilder().setCodeValue(spec.effectiveStatusCode()));
        }
        if (spec.effectiveResponseHeaders()) {
            out.setEnableXRatelimitHeaders(XRateLimitHeadersRFCVersion.DRAFT_VERSION_03);
        }
        return out.build();
    }

    private static final RuntimeFractionalPercent ALL = RuntimeFractionalPercent.newBuilder()
            .setDefaultValue(FractionalPercent.newBuilder().setNumerator(100)
                    .setDenominator(FractionalPercent.DenominatorType.HUNDRED))
            .build();
}
