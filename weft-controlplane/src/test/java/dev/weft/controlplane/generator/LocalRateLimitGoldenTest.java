package dev.weft.controlplane.generator;

import com.google.protobuf.Any;
import dev.weft.controlplane.proxy.ProxyNode;
import dev.weft.controlplane.push.PushContext;
import dev.weft.controlplane.xds.XdsType;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.common.ratelimit.v3.XRateLimitHeadersRFCVersion;
import io.envoyproxy.envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** LocalRateLimit → envoy.filters.http.local_ratelimit on the selected workloads' inbound listeners only. */
class LocalRateLimitGoldenTest {
    private static final Generators GENERATORS = Generators.standard();

    @Test
    void selectedInboundListenersGetTheFilterAndRouteBuckets() throws Exception {
        var proxies = GeneratorGoldenTest.bookinfoProxies();
        PushContext context = GeneratorGoldenTest.context("ratelimit", proxies);
        ProxyNode ratings = proxy(proxies, "ratings");
        GoldenFiles.assertMatches("ratelimit-ratings.json", ResourceJson.tree(
                inbound(context, ratings)).toPrettyString() + "\n");

        HttpConnectionManager hcm = hcm(context, ratings);
        List<String> filters = hcm.getHttpFiltersList().stream().map(HttpFilter::getName).toList();
        assertThat(filters).containsExactly(LocalRateLimitTranslator.FILTER, ListenerGenerator.ROUTER_FILTER);
        LocalRateLimit workload = hcm.getHttpFilters(0).getTypedConfig().unpack(LocalRateLimit.class);
        assertThat(workload.getTokenBucket().getMaxTokens()).isEqualTo(10);
        assertThat(workload.getTokenBucket().getTokensPerFill().getValue()).isEqualTo(10);
        assertThat(workload.getFilterEnabled().getDefaultValue().getNumerator()).isEqualTo(100);
        assertThat(workload.getFilterEnforced().getDefaultValue().getNumerator()).isEqualTo(100);
        assertThat(workload.getStatus().getCodeValue()).isEqualTo(503);
        assertThat(workload.getEnableXRatelimitHeaders()).isEqualTo(XRateLimitHeadersRFCVersion.DRAFT_VERSION_03);
        var routes = hcm.getRouteConfig().getVirtualHosts(0).getRoutesList();
        assertThat(routes).extracting(r -> r.getName()).containsExactly("rating-writes", "default");
        assertThat(routes.get(0).getMatch().getPrefix()).isEqualTo("/ratings");
        assertThat(routes.get(0).getMatch().getHeaders(0).getName()).isEqualTo(":method");
        assertThat(routes.get(0).getRoute()).isEqualTo(routes.get(1).getRoute()); // same inbound cluster
        LocalRateLimit perRoute = routes.get(0).getTypedPerFilterConfigOrThrow(LocalRateLimitTranslator.FILTER)
                .unpack(LocalRateLimit.class);
        assertThat(perRoute.getTokenBucket().getMaxTokens()).isEqualTo(2);
        assertThat(perRoute.getTokenBucket().getTokensPerFill().getValue()).isEqualTo(1); // Envoy's default, explicit
        assertThat(routes.get(1).getTypedPerFilterConfigMap()).isEmpty();

        // details: the filter without a bucket of its own (0% enabled) and one limited route, no x-ratelimit headers
        HttpConnectionManager details = hcm(context, proxy(proxies, "details"));
        LocalRateLimit inert = details.getHttpFilters(0).getTypedConfig().unpack(LocalRateLimit.class);
        assertThat(inert.hasTokenBucket()).isFalse();
        assertThat(inert.hasFilterEnabled()).isFalse();
        LocalRateLimit byId = details.getRouteConfig().getVirtualHosts(0).getRoutes(0)
                .getTypedPerFilterConfigOrThrow(LocalRateLimitTranslator.FILTER).unpack(LocalRateLimit.class);
        assertThat(byId.getEnableXRatelimitHeaders()).isEqualTo(XRateLimitHeadersRFCVersion.OFF);
        assertThat(details.getRouteConfig().getVirtualHosts(0).getRoutes(0).getMatch().getSafeRegex().getRegex())
                .isEqualTo("/details/[0-9]+");

        // nobody else gets the filter: their inbound listeners are unchanged
        for (String app : List.of("productpage", "reviews", "mongo")) {
            assertThat(hcm(context, proxy(proxies, app)).getHttpFiltersList()).extracting(HttpFilter::getName)
                    .doesNotContain(LocalRateLimitTranslator.FILTER);
        }
    }

    private static ProxyNode proxy(List<ProxyNode> proxies, String app) {
        return proxies.stream().filter(p -> p.labels().get("app").equals(app)).findFirst().orElseThrow();
    }

    private static Listener inbound(PushContext context, ProxyNode proxy) {
        Map<String, com.google.protobuf.Message> listeners = GENERATORS.forType(XdsType.LISTENER).generate(context, proxy);
        return (Listener) listeners.get(ListenerGenerator.INBOUND);
    }

    private static HttpConnectionManager hcm(PushContext context, ProxyNode proxy) throws Exception {
        Any any = inbound(context, proxy).getFilterChains(0).getFilters(0).getTypedConfig();
        return any.unpack(HttpConnectionManager.class);
    }
}
