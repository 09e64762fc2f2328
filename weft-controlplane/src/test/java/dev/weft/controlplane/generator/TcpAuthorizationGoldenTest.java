package dev.weft.controlplane.generator;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.util.JsonFormat;
import dev.weft.controlplane.TestNodes;
import dev.weft.controlplane.proxy.ProxyNode;
import dev.weft.controlplane.push.PushContext;
import dev.weft.controlplane.xds.XdsType;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.rbac.v3.Permission;
import io.envoyproxy.envoy.config.rbac.v3.Policy;
import io.envoyproxy.envoy.config.rbac.v3.RBAC;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * AuthorizationPolicy on a TCP app → {@code envoy.filters.network.rbac} before its inbound tcp_proxy, with Istio's
 * TCP semantics: HTTP-only fields drop an ALLOW rule and widen a DENY/AUDIT rule.
 */
class TcpAuthorizationGoldenTest {
    private static final Generators GENERATORS = Generators.standard();

    private static List<Filter> inboundFilters() throws Exception {
        ProxyNode echo = TcpProxyGoldenTest.echo();
        PushContext context = GeneratorGoldenTest.context("tcp-authz", List.of(echo, TcpProxyGoldenTest.client()));
        Listener inbound = (Listener) GENERATORS.forType(XdsType.LISTENER).generate(context, echo)
                .get(ListenerGenerator.INBOUND);
        return inbound.getFilterChains(0).getFiltersList();
    }

    private static RBAC rules(Filter f) throws Exception {
        var config = f.getTypedConfig().unpack(io.envoyproxy.envoy.extensions.filters.network.rbac.v3.RBAC.class);
        assertThat(config.getStatPrefix()).isEqualTo("tcp.");
        return config.getRules();
    }

    @Test
    void networkRbacFiltersPrecedeTheTcpProxyInIstiosOrder() throws Exception {
        List<Filter> filters = inboundFilters();
        assertThat(filters).extracting(Filter::getName).containsExactly(AuthorizationPolicyTranslator.NETWORK_FILTER,
                AuthorizationPolicyTranslator.NETWORK_FILTER, AuthorizationPolicyTranslator.NETWORK_FILTER,
                TcpProxyListeners.FILTER);
        assertThat(rules(filters.get(0)).getAction()).isEqualTo(RBAC.Action.DENY);
        assertThat(rules(filters.get(1)).getAction()).isEqualTo(RBAC.Action.ALLOW);
        assertThat(rules(filters.get(2)).getAction()).isEqualTo(RBAC.Action.LOG);

        JsonFormat.Printer printer = JsonFormat.printer().usingTypeRegistry(JsonFormat.TypeRegistry.newBuilder()
                .add(io.envoyproxy.envoy.extensions.filters.network.rbac.v3.RBAC.getDescriptor())
                .add(io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy.getDescriptor()).build());
        StringBuilder json = new StringBuilder();
        for (Filter f : filters) {
            json.append(printer.print(f)).append('\n');
        }
        GoldenFiles.assertMatches("tcp-authz-echo-inbound.json", json.toString());
    }

    @Test
    void allowRulesWithHttpOnlyFieldsAreDroppedSoTheAllowGetsSmaller() throws Exception {
        RBAC allow = rules(inboundFilters().get(1));
        // rule[1] (methods) and rule[2] (a request header condition) can never match a connection
        assertThat(allow.getPoliciesMap()).containsOnlyKeys("ns[default]-policy[echo-from-client]-rule[0]");
        Policy kept = allow.getPoliciesOrThrow("ns[default]-policy[echo-from-client]-rule[0]");
        assertThat(kept.toString()).contains("spiffe://cluster.local/ns/default/sa/client").contains("7000");
    }

    @Test
    void denyAndAuditRulesLoseTheirHttpOnlyFieldsSoTheyMatchMore() throws Exception {
        List<Filter> filters = inboundFilters();
        Policy deny = rules(filters.get(0)).getPoliciesOrThrow("ns[default]-policy[deny-legacy-posts]-rule[0]");
        String text = deny.toString();
        assertThat(text).contains("destination_port: 7000", "\\\\Qlegacy\\\\E", "10.9.0.0")
                .doesNotContain(":method", "POST", "url_path", "/admin", "istio_authn", "issuer");
        // the audit rule held only hosts: it now matches every connection
        Policy audit = rules(filters.get(2)).getPoliciesOrThrow("ns[default]-policy[audit-everything]-rule[0]");
        assertThat(audit.getPermissionsList()).containsExactly(Permission.newBuilder().setAny(true).build());
    }

    @Test
    void aTcpAppWithoutPoliciesKeepsAPlainTcpProxy() throws Exception {
        ProxyNode echo = TcpProxyGoldenTest.echo();
        PushContext context = GeneratorGoldenTest.context("tcp", List.of(echo));
        Listener inbound = (Listener) GENERATORS.forType(XdsType.LISTENER).generate(context, echo)
                .get(ListenerGenerator.INBOUND);
        assertThat(inbound.getFilterChains(0).getFiltersList()).extracting(Filter::getName)
                .containsExactly(TcpProxyListeners.FILTER);
    }
}
