package dev.weft.config;

import dev.weft.config.model.AuthorizationPolicySpec.Action;
import java.util.Map;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** AuthorizationPolicy loading, strict validation with file/line/field, and which policies select a workload. */
class AuthorizationPolicyTest {
    private static final String POLICIES = """
            apiVersion: security.istio.io/v1
            kind: AuthorizationPolicy
            metadata:
              name: deny-admin
              namespace: istio-system
            spec:
              action: DENY
              rules:
              - to:
                - operation:
                    paths: ["/admin*"]
            ---
            apiVersion: security.istio.io/v1beta1
            kind: AuthorizationPolicy
            metadata:
              name: payments-allow
              namespace: shop
            spec:
              selector:
                matchLabels:
                  app: payments
              rules:
              - from:
                - source:
                    principals: ["cluster.local/ns/shop/sa/frontend"]
                    notNamespaces: ["legacy"]
                    ipBlocks: ["10.0.0.0/8"]
                to:
                - operation:
                    methods: ["GET", "POST"]
                    paths: ["/charge", "/api/*"]
                    ports: ["8080"]
                when:
                - key: request.headers[x-tenant]
                  values: ["acme"]
            ---
            apiVersion: security.istio.io/v1
            kind: AuthorizationPolicy
            metadata:
              name: other-ns
              namespace: other
            spec: {}
            """;

    @Test
    void loadsAndSelectsByNamespaceSelectorAndRootNamespace() {
        LoadResult result = ConfigLoader.loadTexts(Map.of("ap.yaml", POLICIES));
        assertThat(result.errorReport()).isEmpty();
        var policies = result.config().authorizationPolicies();
        assertThat(policies).hasSize(3);
        var payments = AuthorizationPolicies.selecting(policies, "shop", Map.of("app", "payments"));
        assertThat(payments).extracting(p -> p.meta().name()).containsExactly("deny-admin", "payments-allow");
        assertThat(payments.get(0).spec().effectiveAction()).isEqualTo(Action.DENY);
        assertThat(payments.get(1).spec().effectiveAction()).isEqualTo(Action.ALLOW);
        assertThat(payments.get(1).spec().rules().getFirst().when().getFirst().key()).isEqualTo("request.headers[x-tenant]");
        assertThat(AuthorizationPolicies.selecting(policies, "shop", Map.of("app", "cart")))
                .extracting(p -> p.meta().name()).containsExactly("deny-admin");
        assertThat(AuthorizationPolicies.selecting(policies, "other", Map.of()))
                .extracting(p -> p.meta().name()).containsExactly("deny-admin", "other-ns");
    }

    @Test
    void invalidPoliciesAreRejectedWithFileLineAndField() {
        String bad = """
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata:
                  name: bad
                  namespace: shop
                spec:
                  action: PERMIT
                  rules:
                  - from:
                    - source:
                        principals: ["a"]
                        ipBlocks: ["10.0.0.300/8"]
                    to:
                    - operation:
                        ports: ["http"]
                        paths: ["/a*b*"]
                        verbs: ["GET"]
                    when:
                    - key: request.magic
                      values: ["x"]
                ---
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata:
                  name: custom
                  namespace: shop
                spec:
                  action: CUSTOM
                  rules:
                  - {}
                """;
        LoadResult result = ConfigLoader.loadTexts(Map.of("bad.yaml", bad));
        String report = result.errorReport();
        assertThat(report).contains("bad.yaml:7").contains("spec.action").contains("PERMIT");
        assertThat(report).contains("bad.yaml:17").contains("verbs");
        // binding errors are reported together with the semantic ones that remain
        String custom = ConfigLoader.loadTexts(Map.of("c.yaml", bad.substring(bad.indexOf("---") + 4))).errorReport();
        assertThat(custom).contains("c.yaml:").contains("spec.provider").contains("CUSTOM");

        String semantic = bad.replace("  action: PERMIT\n", "").replace("        verbs: [\"GET\"]\n", "");
        String r2 = ConfigLoader.loadTexts(Map.of("s.yaml", semantic)).errorReport();
        assertThat(r2).contains("s.yaml:11").contains("spec.rules[0].from[0].source.ipBlocks[0]")
                .contains("not an IP address or CIDR block");
        assertThat(r2).contains("spec.rules[0].to[0].operation.ports[0]").contains("port must be a number");
        assertThat(r2).contains("spec.rules[0].to[0].operation.paths[0]");
        assertThat(r2).contains("spec.rules[0].when[0].key").contains("unsupported condition key \"request.magic\"");
    }
}
