package dev.weft.tests.authz;

import dev.weft.config.ConfigLoader;
import dev.weft.config.LoadResult;
import dev.weft.controlplane.generator.AuthorizationPolicyTranslator;
import dev.weft.dataplane.authz.AuthorizationEvaluator;
import dev.weft.dataplane.authz.AuthzRequest;
import dev.weft.dataplane.routing.PathNormalizer;
import dev.weft.dataplane.authz.RbacFilter;
import dev.weft.dataplane.xds.RbacFilterParser;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Istio's AuthorizationPolicy semantics, through the whole chain a proxy runs — YAML → validated model → the
 * control plane's RBAC translation → the proxy's RBAC parser → the evaluator — without processes, so the table can
 * be wide: CUSTOM/DENY/ALLOW/AUDIT order, implicit deny, notX, {@code *} prefix/suffix, ports, hosts, conditions,
 * namespaces read from SPIFFE IDs, and path-bypass attempts after normalization.
 */
class AuthorizationSemanticsTest {
    private static final String FRONTEND = "spiffe://cluster.local/ns/shop/sa/frontend";
    private static final String ROGUE = "spiffe://cluster.local/ns/shop/sa/rogue";
    private static final String OPS = "spiffe://cluster.local/ns/ops/sa/admin";

    private static final String POLICIES = """
            apiVersion: security.istio.io/v1
            kind: AuthorizationPolicy
            metadata: {name: deny-admin, namespace: istio-system}
            spec:
              action: DENY
              rules:
              - to:
                - operation:
                    paths: ["/admin*", "*.secret"]
                    notMethods: ["OPTIONS"]
            ---
            apiVersion: security.istio.io/v1
            kind: AuthorizationPolicy
            metadata: {name: payments, namespace: shop}
            spec:
              selector: {matchLabels: {app: payments}}
              rules:
              - from:
                - source: {principals: ["cluster.local/ns/shop/sa/frontend"]}
                to:
                - operation: {methods: ["GET", "POST"], paths: ["/charge", "/api/*"], ports: ["9080"]}
              - from:
                - source: {namespaces: ["ops"], notIpBlocks: ["10.9.0.0/16"]}
                to:
                - operation: {notPaths: ["/charge"], hosts: ["payments.shop.svc.cluster.local"]}
              - when:
                - key: request.headers[x-tenant]
                  values: ["acme*"]
                  notValues: ["acme-blocked"]
                to:
                - operation: {paths: ["/public"]}
            ---
            apiVersion: security.istio.io/v1
            kind: AuthorizationPolicy
            metadata: {name: deny-rogue-posts, namespace: shop}
            spec:
              selector: {matchLabels: {app: payments}}
              action: DENY
              rules:
              - from:
                - source: {principals: ["*/sa/rogue"]}
                to:
                - operation: {methods: ["POST"]}
            ---
            apiVersion: security.istio.io/v1
            kind: AuthorizationPolicy
            metadata: {name: audit-everything, namespace: shop}
            spec:
              action: AUDIT
              rules:
              - {}
            ---
            apiVersion: security.istio.io/v1
            kind: AuthorizationPolicy
            metadata: {name: deny-all, namespace: locked}
            spec: {}
            """;

    private static final List<RbacFilter> PAYMENTS = filters("shop", Map.of("app", "payments"));
    private static final List<RbacFilter> CART = filters("shop", Map.of("app", "cart"));
    private static final List<RbacFilter> LOCKED = filters("locked", Map.of("app", "vault"));

    static List<RbacFilter> filters(String namespace, Map<String, String> labels) {
        LoadResult result = ConfigLoader.loadTexts(Map.of("authz.yaml", POLICIES));
        assertThat(result.errorReport()).isEmpty();
        List<RbacFilter> out = new ArrayList<>();
        for (HttpFilter f : AuthorizationPolicyTranslator.filters(result.config().authorizationPolicies(), namespace, labels)) {
            try {
                out.add(RbacFilterParser.parse(f.getTypedConfig(), "inbound"));
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }
        return out;
    }

    private static AuthzRequest req(String method, String rawPath, String principal, String sourceIp,
                                    int port, Map<String, String> headers) {
        try {
            InetAddress ip = InetAddress.getByName(sourceIp);
            return new AuthzRequest(PathNormalizer.normalize(rawPath), method, "payments.shop.svc.cluster.local:" + port,
                    headers::get, port, InetAddress.getByName("10.0.0.5"), null, principal, ip, ip, null);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static boolean allowed(List<RbacFilter> filters, String method, String path, String principal) {
        return AuthorizationEvaluator.evaluate(filters, req(method, path, principal, "10.1.2.3", 9080, Map.of())).allowed();
    }

    @Test
    void allowRulesMatchPrincipalMethodPathAndPort() {
        assertThat(allowed(PAYMENTS, "GET", "/charge", FRONTEND)).isTrue();
        assertThat(allowed(PAYMENTS, "POST", "/api/v1/refund", FRONTEND)).as("prefix path").isTrue();
        assertThat(allowed(PAYMENTS, "DELETE", "/charge", FRONTEND)).as("method not listed").isFalse();
        assertThat(allowed(PAYMENTS, "GET", "/charge", ROGUE)).as("other identity: implicit deny").isFalse();
        assertThat(allowed(PAYMENTS, "GET", "/charge", null)).as("plaintext: no principal").isFalse();
        assertThat(AuthorizationEvaluator.evaluate(PAYMENTS, req("GET", "/charge", FRONTEND, "10.1.2.3", 8080, Map.of()))
                .allowed()).as("port not listed").isFalse();
    }

    @Test
    void namespacesAreReadFromTheSpiffeIdAndNotXExcludes() {
        assertThat(allowed(PAYMENTS, "GET", "/refund", OPS)).isTrue();
        assertThat(allowed(PAYMENTS, "GET", "/charge", OPS)).as("notPaths").isFalse();
        assertThat(AuthorizationEvaluator.evaluate(PAYMENTS, req("GET", "/refund", OPS, "10.9.1.1", 9080, Map.of()))
                .allowed()).as("notIpBlocks").isFalse();
        assertThat(allowed(PAYMENTS, "GET", "/refund", "spiffe://cluster.local/ns/opsx/sa/admin"))
                .as("namespace is a whole segment").isFalse();
    }

    @Test
    void whenConditionsOnHeadersWithValuesAndNotValues() {
        assertThat(AuthorizationEvaluator.evaluate(PAYMENTS, req("GET", "/public", null, "10.1.2.3", 9080,
                Map.of("x-tenant", "acme-eu"))).allowed()).isTrue();
        assertThat(AuthorizationEvaluator.evaluate(PAYMENTS, req("GET", "/public", null, "10.1.2.3", 9080,
                Map.of("x-tenant", "acme-blocked"))).allowed()).as("notValues").isFalse();
        assertThat(AuthorizationEvaluator.evaluate(PAYMENTS, req("GET", "/public", null, "10.1.2.3", 9080,
                Map.of())).allowed()).as("header absent").isFalse();
    }

    @Test
    void denyBeatsAllowAndSuffixPathsMatch() {
        var denied = AuthorizationEvaluator.evaluate(PAYMENTS, req("POST", "/charge", ROGUE, "10.1.2.3", 9080, Map.of()));
        assertThat(denied.allowed()).isFalse();
        assertThat(denied.policy()).isEqualTo("ns[shop]-policy[deny-rogue-posts]-rule[0]");
        // the mesh-wide DENY of /admin* applies even to an identity the ALLOW would admit (ops may GET anything)
        assertThat(allowed(PAYMENTS, "GET", "/admin/users", OPS)).isFalse();
        assertThat(allowed(PAYMENTS, "GET", "/keys.secret", OPS)).as("suffix *.secret").isFalse();
        assertThat(allowed(PAYMENTS, "OPTIONS", "/admin/users", OPS)).as("notMethods exempts OPTIONS").isTrue();
    }

    @Test
    void noAllowPolicyMeansAllowedAndAuditNeverDecides() {
        assertThat(CART).extracting(RbacFilter::action).containsExactly(RbacFilter.Action.DENY, RbacFilter.Action.LOG);
        assertThat(allowed(CART, "DELETE", "/anything", null)).isTrue();
        assertThat(allowed(CART, "GET", "/admin", null)).isFalse();
    }

    @Test
    void anAllowPolicyWithoutRulesDeniesEverything() {
        assertThat(allowed(LOCKED, "GET", "/", FRONTEND)).isFalse();
        assertThat(allowed(LOCKED, "GET", "/health", OPS)).isFalse();
    }

    /** Every spelling of /admin… that a client might use to slip past the DENY; each must be denied. */
    @ParameterizedTest
    @ValueSource(strings = {"/admin", "/admin/", "//admin", "/./admin", "/x/../admin", "/%61dmin", "/%2Fadmin",
            "/%2fadmin/x", "/charge/../admin", "/charge/%2E%2E/admin", "\\admin", "/admin?x=1", "/admin#f",
            "///admin//users", "/%5Cadmin", "/api/../../admin"})
    void pathBypassesAreDenied(String rawPath) {
        String normalized = PathNormalizer.normalize(rawPath);
        // null: the transport rejects the request outright (400); otherwise authorization must deny it
        if (normalized != null) {
            assertThat(allowed(PAYMENTS, "GET", rawPath, OPS)).as("%s → %s", rawPath, normalized).isFalse();
        }
        assertThat(normalized == null || normalized.startsWith("/admin")).as(rawPath + " → " + normalized).isTrue();
    }
}
