package dev.weft.dataplane.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import com.google.protobuf.UInt32Value;
import com.google.protobuf.util.Durations;
import dev.weft.dataplane.config.ListenerConfig;
import dev.weft.dataplane.ratelimit.LocalRateLimitConfig;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.RuntimeFractionalPercent;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.extensions.common.ratelimit.v3.XRateLimitHeadersRFCVersion;
import io.envoyproxy.envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import io.envoyproxy.envoy.type.v3.HttpStatus;
import io.envoyproxy.envoy.type.v3.TokenBucket;
import org.junit.jupiter.api.Test;

/** envoy.filters.http.local_ratelimit: listener-level and per-route configs parsed, the rest NACKed by field. */
class LocalRateLimitParserTest {
    private static RuntimeFractionalPercent percent(int n, FractionalPercent.DenominatorType d) {
        return RuntimeFractionalPercent.newBuilder().setRuntimeKey("ignored")
                .setDefaultValue(FractionalPercent.newBuilder().setNumerator(n).setDenominator(d)).build();
    }

    static LocalRateLimit.Builder limit(int maxTokens) {
        return LocalRateLimit.newBuilder().setStatPrefix("http_local_rate_limiter")
                .setTokenBucket(TokenBucket.newBuilder().setMaxTokens(maxTokens)
                        .setTokensPerFill(UInt32Value.of(maxTokens)).setFillInterval(Durations.fromSeconds(1)))
                .setFilterEnabled(percent(100, FractionalPercent.DenominatorType.HUNDRED))
                .setFilterEnforced(percent(100, FractionalPercent.DenominatorType.HUNDRED))
                .setEnableXRatelimitHeaders(XRateLimitHeadersRFCVersion.DRAFT_VERSION_03);
    }

    private static ListenerConfig listenerWith(LocalRateLimit l) throws ResourceRejectedException {
        var hcm = XdsFixtures.hcm();
        hcm.addHttpFilters(0, HttpFilter.newBuilder().setName(LocalRateLimitConfig.FILTER).setTypedConfig(Any.pack(l)));
        return ListenerParser.parse(XdsFixtures.listener("inbound", 15006, hcm.build()));
    }

    @Test
    void listenerLevelFilterIsParsedBeforeTheRouter() throws Exception {
        ListenerConfig listener = listenerWith(limit(10).setStatus(HttpStatus.newBuilder().setCodeValue(503)).build());
        LocalRateLimitConfig c = listener.http().localRateLimit();
        assertThat(c).isEqualTo(new LocalRateLimitConfig("http_local_rate_limiter",
                new LocalRateLimitConfig.Bucket(10, 10, 1_000_000_000L), 1_000_000, 1_000_000, 503, true));
        assertThat(listener.http().httpFilters()).containsExactly(LocalRateLimitConfig.FILTER, ListenerParser.ROUTER_FILTER);
    }

    @Test
    void defaultsFollowEnvoy() throws Exception {
        LocalRateLimitConfig c = listenerWith(LocalRateLimit.newBuilder().setStatPrefix("p")
                .setTokenBucket(TokenBucket.newBuilder().setMaxTokens(5).setFillInterval(Durations.fromMillis(50)))
                .setStatus(HttpStatus.newBuilder().setCodeValue(200)).build()).http().localRateLimit();
        // tokens_per_fill 1, filter_enabled/enforced 0%, a status below 400 means 429, no x-ratelimit headers
        assertThat(c).isEqualTo(new LocalRateLimitConfig("p", new LocalRateLimitConfig.Bucket(5, 1, 50_000_000L),
                0, 0, 429, false));
        // a listener-level filter without a bucket is inert (routes bring their own)
        assertThat(listenerWith(LocalRateLimit.newBuilder().setStatPrefix("p").build()).http().localRateLimit().bucket())
                .isNull();
    }

    @Test
    void perRouteConfigIsParsedFromTypedPerFilterConfig() throws Exception {
        Route route = RouteConfigurationParserTest.base().putTypedPerFilterConfig(LocalRateLimitConfig.FILTER,
                Any.pack(limit(2).clearStatPrefix().setFilterEnabled(
                        percent(500_000, FractionalPercent.DenominatorType.MILLION)).build())).build();
        var table = RouteConfigurationParser.parse(RouteConfigurationParserTest.withRoute(route));
        LocalRateLimitConfig c = table.virtualHosts().getFirst().routes().getFirst().localRateLimit();
        assertThat(c.bucket().maxTokens()).isEqualTo(2);
        assertThat(c.enabledPerMillion()).isEqualTo(500_000);
        assertThat(c.statPrefix()).isEmpty();
        assertThat(RouteConfigurationParser.parse(RouteConfigurationParserTest.withRoute(
                RouteConfigurationParserTest.base().build())).virtualHosts().getFirst().routes().getFirst()
                .localRateLimit()).isNull();
    }

    @Test
    void unsupportedFieldsAreNackedByName() {
        assertNack(limit(1).setLocalRateLimitPerDownstreamConnection(true).build(),
                "http_filters[0].typed_config.local_rate_limit_per_downstream_connection: not supported");
        assertNack(limit(1).addResponseHeadersToAdd(HeaderValueOption.newBuilder()
                        .setHeader(HeaderValue.newBuilder().setKey("x").setValue("y"))).build(),
                "typed_config.response_headers_to_add: not supported");
        assertNack(limit(1).setStage(1).build(), "typed_config.stage: not supported");
        assertNack(limit(1).setRateLimitedAsResourceExhausted(true).build(),
                "typed_config.rate_limited_as_resource_exhausted: not supported");
        assertNack(limit(0).build(), "token_bucket.max_tokens: must be greater than 0");
        assertNack(limit(1).setTokenBucket(TokenBucket.newBuilder().setMaxTokens(1)
                .setFillInterval(Durations.fromMillis(10))).build(), "token_bucket.fill_interval: must be at least 50ms");
        assertNack(limit(1).setTokenBucket(TokenBucket.newBuilder().setMaxTokens(1)).build(),
                "token_bucket.fill_interval: required");
        assertNack(limit(1).clearTokenBucket().build(), "token_bucket: required when filter_enabled is set");
        assertNack(limit(1).clearStatPrefix().build(), "stat_prefix: must not be empty");
        Route route = RouteConfigurationParserTest.base().putTypedPerFilterConfig(LocalRateLimitConfig.FILTER,
                Any.pack(limit(1).setStage(2).build())).build();
        assertThatThrownBy(() -> RouteConfigurationParser.parse(RouteConfigurationParserTest.withRoute(route)))
                .isInstanceOf(ResourceRejectedException.class)
                .hasMessageContaining("typed_per_filter_config[envoy.filters.http.local_ratelimit].stage: not supported");
    }

    private static void assertNack(LocalRateLimit l, String message) {
        assertThatThrownBy(() -> listenerWith(l)).isInstanceOf(ResourceRejectedException.class)
                .hasMessageContaining(message);
    }
}
