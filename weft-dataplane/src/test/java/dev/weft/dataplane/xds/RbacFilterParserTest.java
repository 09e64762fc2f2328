package dev.weft.dataplane.xds;

import com.google.protobuf.Any;
import com.google.protobuf.UInt32Value;
import dev.weft.dataplane.authz.AuthorizationEvaluator;
import dev.weft.dataplane.authz.AuthzRequest;
import dev.weft.dataplane.authz.RbacFilter;
import io.envoyproxy.envoy.config.core.v3.CidrRange;
import io.envoyproxy.envoy.config.rbac.v3.Permission;
import io.envoyproxy.envoy.config.rbac.v3.Policy;
import io.envoyproxy.envoy.config.rbac.v3.Principal;
import io.envoyproxy.envoy.config.rbac.v3.RBAC;
import io.envoyproxy.envoy.type.matcher.v3.PathMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The proxy's RBAC parser: what Istio's translation produces parses and evaluates; anything else is NACKed. */
class RbacFilterParserTest {
    private static Any filter(RBAC rules) {
        return Any.pack(io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC.newBuilder().setRules(rules).build());
    }

    private static Policy policy(Permission permission, Principal principal) {
        return Policy.newBuilder().addPermissions(permission).addPrincipals(principal).build();
    }

    private static AuthzRequest request(String path, String principal, String ip) throws Exception {
        InetAddress a = InetAddress.getByName(ip);
        return new AuthzRequest(path, "GET", "svc", Map.<String, String>of()::get, 9080, null, null, principal, a, a, null);
    }

    @Test
    void parsesPathPrincipalAndCidrMatchersAndEvaluatesThem() throws Exception {
        RbacFilter f = RbacFilterParser.parse(filter(RBAC.newBuilder().setAction(RBAC.Action.ALLOW)
                .putPolicies("p", policy(
                        Permission.newBuilder().setUrlPath(PathMatcher.newBuilder().setPath(
                                StringMatcher.newBuilder().setPrefix("/api/"))).build(),
                        Principal.newBuilder().setAndIds(Principal.Set.newBuilder()
                                .addIds(Principal.newBuilder().setAuthenticated(Principal.Authenticated.newBuilder()
                                        .setPrincipalName(StringMatcher.newBuilder().setExact("spiffe://td/ns/a/sa/b"))))
                                .addIds(Principal.newBuilder().setNotId(Principal.newBuilder().setDirectRemoteIp(
                                        CidrRange.newBuilder().setAddressPrefix("10.9.0.0").setPrefixLen(UInt32Value.of(16)))))).build()))
                .build()), "inbound");
        assertThat(f.action()).isEqualTo(RbacFilter.Action.ALLOW);
        List<RbacFilter> fs = List.of(f);
        assertThat(AuthorizationEvaluator.evaluate(fs, request("/api/x", "spiffe://td/ns/a/sa/b", "10.1.0.1")).allowed()).isTrue();
        assertThat(AuthorizationEvaluator.evaluate(fs, request("/api/x", "spiffe://td/ns/a/sa/b", "10.9.3.4")).allowed()).isFalse();
        assertThat(AuthorizationEvaluator.evaluate(fs, request("/other", "spiffe://td/ns/a/sa/b", "10.1.0.1")).allowed()).isFalse();
        assertThat(AuthorizationEvaluator.evaluate(fs, request("/api/x", null, "10.1.0.1")).allowed()).isFalse();
        assertThat(new AuthzRequest("/", "GET", "", h -> null, 1, null, null, "spiffe://td/ns/shop/sa/x", null, null, null)
                .sourceNamespace()).isEqualTo("shop");
    }

    @Test
    void unsupportedFieldsAreNackedByName() {
        Principal any = Principal.newBuilder().setAny(true).build();
        assertThatThrownBy(() -> RbacFilterParser.parse(filter(RBAC.newBuilder().putPolicies("p", policy(
                Permission.newBuilder().setUriTemplate(io.envoyproxy.envoy.config.core.v3.TypedExtensionConfig
                        .newBuilder().setName("t")).build(), any)).build()), "inbound"))
                .isInstanceOf(ResourceRejectedException.class)
                .hasMessageContaining("typed_config.rules.policies[p].permissions[0]").hasMessageContaining("URI_TEMPLATE");
        assertThatThrownBy(() -> RbacFilterParser.parse(Any.pack(io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC
                .newBuilder().setShadowRules(RBAC.getDefaultInstance()).build()), "inbound"))
                .isInstanceOf(ResourceRejectedException.class).hasMessageContaining("shadow_rules");
        assertThatThrownBy(() -> RbacFilterParser.parse(filter(RBAC.newBuilder().putPolicies("p", policy(
                Permission.newBuilder().setAny(true).build(), Principal.newBuilder().setDirectRemoteIp(
                        CidrRange.newBuilder().setAddressPrefix("not-an-ip")).build())).build()), "inbound"))
                .isInstanceOf(ResourceRejectedException.class).hasMessageContaining("principals[0].direct_remote_ip");
    }
}
