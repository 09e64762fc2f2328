package dev.weft.config;

import dev.weft.config.model.PeerAuthenticationSpec.Mtls.Mode;
import java.util.Map;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** PeerAuthentication loading, strict validation and Istio's mode resolution (workload > namespace > mesh). */
class PeerAuthenticationTest {
    private static final String POLICIES = """
            apiVersion: security.istio.io/v1
            kind: PeerAuthentication
            metadata:
              name: default
              namespace: istio-system
            spec:
              mtls:
                mode: STRICT
            ---
            apiVersion: security.istio.io/v1beta1
            kind: PeerAuthentication
            metadata:
              name: legacy-ns
              namespace: legacy
            spec:
              mtls:
                mode: PERMISSIVE
            ---
            apiVersion: security.istio.io/v1
            kind: PeerAuthentication
            metadata:
              name: payments
              namespace: shop
            spec:
              selector:
                matchLabels:
                  app: payments
              mtls:
                mode: UNSET
              portLevelMtls:
                8081:
                  mode: DISABLE
            """;

    @Test
    void modesResolveFromPortToWorkloadToNamespaceToMesh() {
        LoadResult result = ConfigLoader.loadTexts(Map.of("pa.yaml", POLICIES));
        assertThat(result.errorReport()).isEmpty();
        var policies = result.config().peerAuthentications();
        assertThat(policies).hasSize(3);
        Map<String, String> payments = Map.of("app", "payments");
        // port-level DISABLE on the workload policy
        assertThat(PeerAuthentications.effectiveMode(policies, "shop", payments, 8081)).isEqualTo(Mode.DISABLE);
        // workload policy UNSET on other ports: no namespace policy in shop, so the mesh-wide STRICT
        assertThat(PeerAuthentications.effectiveMode(policies, "shop", payments, 8080)).isEqualTo(Mode.STRICT);
        // the namespace policy beats the mesh-wide one
        assertThat(PeerAuthentications.effectiveMode(policies, "legacy", Map.of("app", "x"), 80)).isEqualTo(Mode.PERMISSIVE);
        // nothing at all: PERMISSIVE, Istio's default
        assertThat(PeerAuthentications.effectiveMode(java.util.List.of(), "default", Map.of(), 80)).isEqualTo(Mode.PERMISSIVE);
    }

    @Test
    void invalidPoliciesAreRejectedWithFileLineAndField() {
        LoadResult result = ConfigLoader.loadTexts(Map.of("bad.yaml", """
                apiVersion: security.istio.io/v1
                kind: PeerAuthentication
                metadata:
                  name: no-selector
                  namespace: shop
                spec:
                  portLevelMtls:
                    8080:
                      mode: STRICT
                ---
                apiVersion: networking.istio.io/v1
                kind: PeerAuthentication
                metadata:
                  name: wrong-group
                spec: {}
                ---
                apiVersion: security.istio.io/v1
                kind: PeerAuthentication
                metadata:
                  name: bad-mode
                spec:
                  mtls:
                    mode: STRICTEST
                    extra: 1
                """));
        String report = result.errorReport();
        assertThat(report).contains("PeerAuthentication shop/no-selector: spec.portLevelMtls: portLevelMtls requires a workload selector");
        assertThat(report).contains("PeerAuthentication default/wrong-group: apiVersion: unsupported apiVersion \"networking.istio.io/v1\" for PeerAuthentication");
        assertThat(report).contains("bad-mode").contains("STRICTEST");
        assertThat(result.ok()).isFalse();
    }
}
