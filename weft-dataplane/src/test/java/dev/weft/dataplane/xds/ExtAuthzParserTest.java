package dev.weft.dataplane.xds;

import static dev.weft.dataplane.xds.XdsFixtures.hcm;
import static dev.weft.dataplane.xds.XdsFixtures.listener;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import com.google.protobuf.Duration;
import dev.weft.dataplane.authz.AuthzRequest;
import dev.weft.dataplane.authz.ExtAuthzConfig;
import dev.weft.dataplane.config.ListenerConfig;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.GrpcService;
import io.envoyproxy.envoy.config.core.v3.HttpUri;
import io.envoyproxy.envoy.config.rbac.v3.Permission;
import io.envoyproxy.envoy.config.rbac.v3.Policy;
import io.envoyproxy.envoy.config.rbac.v3.Principal;
import io.envoyproxy.envoy.config.rbac.v3.RBAC;
import io.envoyproxy.envoy.extensions.filters.http.ext_authz.v3.BufferSettings;
import io.envoyproxy.envoy.extensions.filters.http.ext_authz.v3.ExtAuthz;
import io.envoyproxy.envoy.extensions.filters.http.ext_authz.v3.HttpService;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.type.matcher.v3.MetadataMatcher;
import io.envoyproxy.envoy.type.matcher.v3.PathMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.envoyproxy.envoy.type.matcher.v3.ValueMatcher;
import io.envoyproxy.envoy.type.v3.HttpStatus;
import org.junit.jupiter.api.Test;

/** ext_authz (AuthorizationPolicy CUSTOM) as Istio emits it: the shadow RBAC gate, both services, and the NACKs. */
class ExtAuthzParserTest {

    private static HttpFilter shadow(String statPrefix) {
        Policy admin = Policy.newBuilder()
                .addPermissions(Permission.newBuilder().setUrlPath(PathMatcher.newBuilder()
                        .setPath(StringMatcher.newBuilder().setPrefix("/admin"))))
                .addPrincipals(Principal.newBuilder().setAny(true)).build();
        return HttpFilter.newBuilder().setName("envoy.filters.http.rbac").setTypedConfig(Any.pack(
                io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC.newBuilder()
                        .setShadowRules(RBAC.newBuilder().putPolicies("istio-ext-authz-ns[default]-policy[a]-rule[0]", admin))
                        .setShadowRulesStatPrefix(statPrefix).build())).build();
    }

    private static ExtAuthz.Builder http() {
        return ExtAuthz.newBuilder().setTransportApiVersion(ApiVersion.V3)
                .setStatusOnError(HttpStatus.newBuilder().setCodeValue(503))
                .setHttpService(HttpService.newBuilder().setPathPrefix("/check").setServerUri(HttpUri.newBuilder()
                        .setUri("http://authz:8000").setCluster("outbound|8000||authz").setTimeout(Duration.newBuilder().setSeconds(2))))
                .setFilterEnabledMetadata(MetadataMatcher.newBuilder().setFilter("envoy.filters.http.rbac")
                        .addPath(MetadataMatcher.PathSegment.newBuilder().setKey("istio_ext_authz_shadow_effective_policy_id"))
                        .setValue(ValueMatcher.newBuilder().setStringMatch(StringMatcher.newBuilder().setPrefix("istio-ext-authz"))));
    }

    private static ListenerConfig parse(HttpFilter... filters) throws ResourceRejectedException {
        var hcm = hcm().clearHttpFilters();
        for (HttpFilter f : filters) {
            hcm.addHttpFilters(f);
        }
        hcm.addHttpFilters(XdsFixtures.router());
        return ListenerParser.parse(listener("inbound", 15006, hcm.build()));
    }

    private static HttpFilter extAuthz(ExtAuthz.Builder config) {
        return HttpFilter.newBuilder().setName("envoy.filters.http.ext_authz").setTypedConfig(Any.pack(config.build())).build();
    }

    private static AuthzRequest request(String path) {
        return new AuthzRequest(path, "GET", "orders", h -> null, 8080, null, null, null, null, null, null);
    }

    @Test
    void theShadowRulesGateWhichRequestsAreChecked() throws Exception {
        ListenerConfig l = parse(shadow("istio_ext_authz_"), extAuthz(http()));
        ExtAuthzConfig c = l.http().extAuthz();
        assertThat(l.http().rbacFilters()).as("the shadow filter enforces nothing").isEmpty();
        assertThat(c.service()).isInstanceOf(ExtAuthzConfig.HttpService.class);
        assertThat(((ExtAuthzConfig.HttpService) c.service()).pathPrefix()).isEqualTo("/check");
        assertThat(c.service().cluster()).isEqualTo("outbound|8000||authz");
        assertThat(c.timeout()).isEqualTo(java.time.Duration.ofSeconds(2));
        assertThat(c.statusOnError()).isEqualTo(503);
        assertThat(c.failureModeAllow()).isFalse();
        assertThat(c.checks(request("/admin/users"))).isTrue();
        assertThat(c.checks(request("/public"))).isFalse();
    }

    @Test
    void grpcServiceWithEnvoysDefaults() throws Exception {
        ExtAuthzConfig c = parse(extAuthz(ExtAuthz.newBuilder().setTransportApiVersion(ApiVersion.V3)
                .setFailureModeAllow(true).setGrpcService(GrpcService.newBuilder().setEnvoyGrpc(GrpcService.EnvoyGrpc
                        .newBuilder().setClusterName("outbound|9000||authz").setAuthority("authz"))))).http().extAuthz();
        assertThat(c.service()).isEqualTo(new ExtAuthzConfig.GrpcService("outbound|9000||authz", "authz"));
        assertThat(c.timeout()).isEqualTo(java.time.Duration.ofMillis(200));
        assertThat(c.statusOnError()).isEqualTo(403);
        assertThat(c.failureModeAllow()).isTrue();
        assertThat(c.checks(request("/anything"))).as("no gate: every request").isTrue();
    }

    @Test
    void configTheProxyCannotApplyIsNackedNamingTheField() {
        assertThatThrownBy(() -> parse(shadow("istio_ext_authz_"), extAuthz(http().setWithRequestBody(
                BufferSettings.newBuilder().setMaxRequestBytes(100)))))
                .isInstanceOf(ResourceRejectedException.class)
                .hasMessageContaining("http_filters[1].typed_config.with_request_body");
        assertThatThrownBy(() -> parse(extAuthz(http())))
                .hasMessageContaining("filter_enabled_metadata").hasMessageContaining("no envoy.filters.http.rbac filter with shadow_rules");
        assertThatThrownBy(() -> parse(shadow("other_"), extAuthz(http())))
                .hasMessageContaining("filter_enabled_metadata.path[0].key");
        assertThatThrownBy(() -> parse(extAuthz(ExtAuthz.newBuilder().setTransportApiVersion(ApiVersion.V3)
                .setGrpcService(GrpcService.newBuilder().setGoogleGrpc(GrpcService.GoogleGrpc.newBuilder()
                        .setTargetUri("x"))))))
                .hasMessageContaining("grpc_service.google_grpc");
        assertThatThrownBy(() -> parse(extAuthz(http().clearFilterEnabledMetadata().setTransportApiVersion(ApiVersion.AUTO))))
                .hasMessageContaining("transport_api_version");
        // ext_authz after an enforcing RBAC filter would run in another order than written: NACK
        HttpFilter deny = HttpFilter.newBuilder().setName("envoy.filters.http.rbac").setTypedConfig(Any.pack(
                io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC.newBuilder().setRules(RBAC.newBuilder()
                        .setAction(RBAC.Action.DENY)).build())).build();
        assertThatThrownBy(() -> parse(deny, extAuthz(http().clearFilterEnabledMetadata())))
                .hasMessageContaining("http_filters[1]").hasMessageContaining("ext_authz must come before");
    }
}
