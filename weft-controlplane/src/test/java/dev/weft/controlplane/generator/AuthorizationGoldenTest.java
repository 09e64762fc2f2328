package dev.weft.controlplane.generator;

import com.google.protobuf.Any;
import com.google.protobuf.util.JsonFormat;
import dev.weft.controlplane.proxy.ProxyNode;
import dev.weft.controlplane.push.PushContext;
import dev.weft.controlplane.xds.XdsType;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** AuthorizationPolicy → RBAC filters on the inbound listener, against a reviewed golden file. */
class AuthorizationGoldenTest {
    private static final Generators GENERATORS = Generators.standard();

    @Test
    void ratingsInboundGetsDenyThenAllowThenAuditBeforeTheRouter() throws Exception {
        var proxies = GeneratorGoldenTest.bookinfoProxies();
        PushContext context = GeneratorGoldenTest.context("authz", proxies);
        ProxyNode ratings = proxies.stream().filter(p -> p.labels().get("app").equals("ratings")).findFirst().orElseThrow();
        List<HttpFilter> filters = inboundFilters(context, ratings);
        assertThat(filters).extracting(HttpFilter::getName).containsExactly(AuthorizationPolicyTranslator.FILTER,
                AuthorizationPolicyTranslator.FILTER, AuthorizationPolicyTranslator.FILTER, ListenerGenerator.ROUTER_FILTER);
        StringBuilder json = new StringBuilder();
        JsonFormat.Printer printer = JsonFormat.printer().usingTypeRegistry(JsonFormat.TypeRegistry.newBuilder()
                .add(io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC.getDescriptor())
                .add(io.envoyproxy.envoy.extensions.filters.http.router.v3.Router.getDescriptor()).build());
        for (HttpFilter f : filters) {
            json.append(printer.print(f)).append('\n');
        }
        GoldenFiles.assertMatches("authz-ratings-inbound.json", json.toString());

        // details: only the mesh-wide DENY and the namespace AUDIT, no ALLOW filter (so no implicit deny)
        ProxyNode details = proxies.stream().filter(p -> p.labels().get("app").equals("details")).findFirst().orElseThrow();
        List<HttpFilter> detailsFilters = inboundFilters(context, details);
        assertThat(detailsFilters).hasSize(3);
        assertThat(detailsFilters.get(0).getTypedConfig().unpack(io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC.class)
                .getRules().getAction()).isEqualTo(io.envoyproxy.envoy.config.rbac.v3.RBAC.Action.DENY);
        assertThat(detailsFilters.get(1).getTypedConfig().unpack(io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC.class)
                .getRules().getAction()).isEqualTo(io.envoyproxy.envoy.config.rbac.v3.RBAC.Action.LOG);

        // mongo in "storage": an ALLOW policy with no rules → an ALLOW filter with no policies (deny all)
        ProxyNode mongo = proxies.stream().filter(p -> p.labels().get("app").equals("mongo")).findFirst().orElseThrow();
        List<HttpFilter> mongoFilters = inboundFilters(context, mongo);
        var allow = mongoFilters.get(1).getTypedConfig().unpack(io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC.class);
        assertThat(allow.getRules().getAction()).isEqualTo(io.envoyproxy.envoy.config.rbac.v3.RBAC.Action.ALLOW);
        assertThat(allow.getRules().getPoliciesMap()).isEmpty();
    }

    private static List<HttpFilter> inboundFilters(PushContext context, ProxyNode proxy) throws Exception {
        Map<String, com.google.protobuf.Message> listeners = GENERATORS.forType(XdsType.LISTENER).generate(context, proxy);
        Listener inbound = (Listener) listeners.get(ListenerGenerator.INBOUND);
        Any hcm = inbound.getFilterChains(0).getFilters(0).getTypedConfig();
        return hcm.unpack(HttpConnectionManager.class).getHttpFiltersList();
    }
}
