package dev.weft.controlplane.generator;

import com.google.protobuf.util.JsonFormat;
import dev.weft.controlplane.proxy.ProxyNode;
import dev.weft.controlplane.push.PushContext;
import dev.weft.controlplane.xds.XdsType;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.http.ext_authz.v3.ExtAuthz;
import io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import java.util.List;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** AuthorizationPolicy CUSTOM → shadow RBAC + ext_authz before the DENY/ALLOW RBAC filters, against golden files. */
class ExtAuthzGoldenTest {
    private static final Generators GENERATORS = Generators.standard();
    private static final JsonFormat.Printer PRINTER = JsonFormat.printer().usingTypeRegistry(JsonFormat.TypeRegistry
            .newBuilder().add(RBAC.getDescriptor()).add(ExtAuthz.getDescriptor())
            .add(io.envoyproxy.envoy.extensions.filters.http.router.v3.Router.getDescriptor()).build());

    @Test
    void httpProviderGoesBeforeTheDenyFilterGatedByTheShadowRules() throws Exception {
        var proxies = GeneratorGoldenTest.bookinfoProxies();
        PushContext context = GeneratorGoldenTest.context("ext-authz", proxies);
        List<HttpFilter> filters = inboundFilters(context, proxy(proxies, "ratings"));
        assertThat(filters).extracting(HttpFilter::getName).containsExactly(AuthorizationPolicyTranslator.FILTER,
                ExtAuthzTranslator.FILTER, AuthorizationPolicyTranslator.FILTER, ListenerGenerator.ROUTER_FILTER);
        GoldenFiles.assertMatches("ext-authz-http-ratings-inbound.json", print(filters));
        // the authorizer's cluster is generated for every proxy like any service's
        assertThat(GENERATORS.forType(XdsType.CLUSTER).generate(context, proxy(proxies, "ratings")))
                .containsKey("outbound|8000||ext-authz.default.svc.cluster.local");
    }

    @Test
    void grpcProviderAndTwoProvidersFailClosed() throws Exception {
        var proxies = GeneratorGoldenTest.bookinfoProxies();
        PushContext context = GeneratorGoldenTest.context("ext-authz", proxies);
        List<HttpFilter> reviews = inboundFilters(context, proxy(proxies, "reviews"));
        assertThat(reviews).extracting(HttpFilter::getName).containsExactly(AuthorizationPolicyTranslator.FILTER,
                ExtAuthzTranslator.FILTER, ListenerGenerator.ROUTER_FILTER);
        GoldenFiles.assertMatches("ext-authz-grpc-reviews-inbound.json", print(reviews));

        List<HttpFilter> details = inboundFilters(context, proxy(proxies, "details"));
        assertThat(details).extracting(HttpFilter::getName).containsExactly(AuthorizationPolicyTranslator.FILTER,
                ListenerGenerator.ROUTER_FILTER);
        var deny = details.getFirst().getTypedConfig().unpack(RBAC.class);
        assertThat(deny.getRules().getAction()).isEqualTo(io.envoyproxy.envoy.config.rbac.v3.RBAC.Action.DENY);
        assertThat(deny.getRules().getPoliciesMap()).containsOnlyKeys("ns[default]-policy[ext-details-a]-rule[0]",
                "ns[default]-policy[ext-details-b]-rule[0]");

        // no CUSTOM policy selects productpage: no filter at all
        assertThat(inboundFilters(context, proxy(proxies, "productpage"))).extracting(HttpFilter::getName)
                .containsExactly(ListenerGenerator.ROUTER_FILTER);
    }

    @Test
    void aTcpWorkloadDeniesConnectionsMatchingTheCustomRules() throws Exception {
        ProxyNode echo = TcpProxyGoldenTest.echo();
        PushContext context = GeneratorGoldenTest.context("ext-authz", List.of(echo));
        Listener inbound = (Listener) GENERATORS.forType(XdsType.LISTENER).generate(context, echo)
                .get(ListenerGenerator.INBOUND);
        var filters = inbound.getFilterChains(0).getFiltersList();
        assertThat(filters).extracting(f -> f.getName())
                .containsExactly(AuthorizationPolicyTranslator.NETWORK_FILTER, "envoy.filters.network.tcp_proxy");
        var rbac = filters.getFirst().getTypedConfig().unpack(io.envoyproxy.envoy.extensions.filters.network.rbac.v3.RBAC.class);
        assertThat(rbac.getRules().getAction()).isEqualTo(io.envoyproxy.envoy.config.rbac.v3.RBAC.Action.DENY);
        var policy = rbac.getRules().getPoliciesMap().get("ns[default]-policy[ext-echo]-rule[0]");
        assertThat(policy.toString()).contains("destination_port: 7000").doesNotContain("POST");
    }

    private static ProxyNode proxy(List<ProxyNode> proxies, String app) {
        return proxies.stream().filter(p -> p.labels().get("app").equals(app)).findFirst().orElseThrow();
    }

    private static String print(List<HttpFilter> filters) throws Exception {
        StringBuilder json = new StringBuilder();
        for (HttpFilter f : filters) {
            json.append(PRINTER.print(f)).append('\n');
        }
        return json.toString();
    }

    private static List<HttpFilter> inboundFilters(PushContext context, ProxyNode proxy) throws Exception {
        Listener inbound = (Listener) GENERATORS.forType(XdsType.LISTENER).generate(context, proxy)
                .get(ListenerGenerator.INBOUND);
        return inbound.getFilterChains(0).getFilters(0).getTypedConfig().unpack(HttpConnectionManager.class)
                .getHttpFiltersList();
    }
}
