package dev.weft.dataplane.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import com.google.protobuf.Duration;
import dev.weft.dataplane.authz.AuthorizationEvaluator;
import dev.weft.dataplane.authz.AuthzRequest;
import dev.weft.dataplane.authz.RbacFilter;
import dev.weft.dataplane.config.ListenerConfig;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.rbac.v3.Permission;
import io.envoyproxy.envoy.config.rbac.v3.Policy;
import io.envoyproxy.envoy.config.rbac.v3.Principal;
import io.envoyproxy.envoy.config.rbac.v3.RBAC;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import java.net.InetAddress;
import org.junit.jupiter.api.Test;

/** {@code envoy.filters.network.rbac} before a tcp_proxy: parsed into the shared RBAC model, NACKed naming the field. */
class NetworkRbacParserTest {
    private static final String CLIENT = "spiffe://cluster.local/ns/default/sa/client";

    private static io.envoyproxy.envoy.extensions.filters.network.rbac.v3.RBAC.Builder allowClient() {
        Policy policy = Policy.newBuilder()
                .addPermissions(Permission.newBuilder().setDestinationPort(7000))
                .addPrincipals(Principal.newBuilder().setAuthenticated(Principal.Authenticated.newBuilder()
                        .setPrincipalName(StringMatcher.newBuilder().setExact(CLIENT))))
                .build();
        return io.envoyproxy.envoy.extensions.filters.network.rbac.v3.RBAC.newBuilder().setStatPrefix("tcp.")
                .setRules(RBAC.newBuilder().setAction(RBAC.Action.ALLOW).putPolicies("ns[default]-policy[p]-rule[0]", policy));
    }

    private static Listener listener(com.google.protobuf.Message... before) {
        FilterChain.Builder chain = FilterChain.newBuilder();
        for (var m : before) {
            chain.addFilters(Filter.newBuilder().setName(RbacFilterParser.NETWORK_FILTER_NAME).setTypedConfig(Any.pack(m)));
        }
        chain.addFilters(Filter.newBuilder().setName(TcpProxyParser.FILTER_NAME).setTypedConfig(Any.pack(
                TcpProxy.newBuilder().setStatPrefix("inbound").setCluster("inbound|7000||").build())));
        return Listener.newBuilder().setName("inbound").setAddress(XdsFixtures.address("127.0.0.1", 15006))
                .addFilterChains(chain).build();
    }

    private static AuthzRequest connection(String peer, int port) throws Exception {
        InetAddress lo = InetAddress.getLoopbackAddress();
        return new AuthzRequest(null, null, null, n -> null, port, lo, null, peer, lo, lo, null);
    }

    @Test
    void networkRbacBeforeATcpProxyJudgesConnectionsByIdentityAndPort() throws Exception {
        ListenerConfig l = ListenerParser.parse(listener(allowClient().build()));
        assertThat(l.isTcp()).isTrue();
        assertThat(l.tcp().rbacFilters()).hasSize(1);
        RbacFilter f = l.tcp().rbacFilters().getFirst();
        assertThat(f.action()).isEqualTo(RbacFilter.Action.ALLOW);
        var filters = l.tcp().rbacFilters();
        assertThat(AuthorizationEvaluator.evaluate(filters, connection(CLIENT, 7000)).allowed()).isTrue();
        assertThat(AuthorizationEvaluator.evaluate(filters, connection("spiffe://cluster.local/ns/default/sa/b", 7000))
                .allowed()).isFalse();
        assertThat(AuthorizationEvaluator.evaluate(filters, connection(null, 7000)).allowed()).isFalse(); // plaintext
        assertThat(AuthorizationEvaluator.evaluate(filters, connection(CLIENT, 7001)).allowed()).isFalse();
    }

    @Test
    void aTcpProxyWithoutRbacHasNoFilters() throws Exception {
        assertThat(ListenerParser.parse(listener()).tcp().rbacFilters()).isEmpty();
    }

    @Test
    void nacksWhatAConnectionCannotBeJudgedOnAndUnsupportedFieldsNamingThem() {
        Policy headerPolicy = Policy.newBuilder()
                .addPermissions(Permission.newBuilder().setAndRules(Permission.Set.newBuilder().addRules(
                        Permission.newBuilder().setHeader(HeaderMatcher.newBuilder().setName(":method")
                                .setStringMatch(StringMatcher.newBuilder().setExact("GET"))))))
                .addPrincipals(Principal.newBuilder().setAny(true)).build();
        assertThatThrownBy(() -> ListenerParser.parse(listener(allowClient().setRules(RBAC.newBuilder()
                .setAction(RBAC.Action.DENY).putPolicies("p", headerPolicy)).build())))
                .isInstanceOf(ResourceRejectedException.class)
                .hasMessageContaining("Listener inbound")
                .hasMessageContaining("filter_chains[0].filters[0].typed_config.rules.policies[p].permissions[0]"
                        + ".and_rules.rules[0].header")
                .hasMessageContaining("needs an HTTP request");
        assertThatThrownBy(() -> ListenerParser.parse(listener(allowClient()
                .setDelayDeny(Duration.newBuilder().setSeconds(1)).build())))
                .hasMessageContaining("filters[0].typed_config.delay_deny");
        assertThatThrownBy(() -> ListenerParser.parse(listener(allowClient().setEnforcementType(
                io.envoyproxy.envoy.extensions.filters.network.rbac.v3.RBAC.EnforcementType.CONTINUOUS).build())))
                .hasMessageContaining("enforcement_type");
        assertThatThrownBy(() -> ListenerParser.parse(listener(allowClient().setStatPrefix("").build())))
                .hasMessageContaining("stat_prefix");
        // only network RBAC may precede the last filter
        assertThatThrownBy(() -> ListenerParser.parse(listener(TcpProxy.newBuilder().setStatPrefix("x").setCluster("c").build())))
                .hasMessageContaining("filters[0]");
    }
}
