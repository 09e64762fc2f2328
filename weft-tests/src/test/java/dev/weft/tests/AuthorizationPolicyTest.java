package dev.weft.tests;

import dev.weft.tests.harness.Mesh;
import dev.weft.tests.harness.MeshClient;
import dev.weft.tests.harness.Reply;
import dev.weft.tests.harness.Workload;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * AuthorizationPolicy through real processes over mTLS: payments admits only the frontend's SPIFFE identity, a
 * mesh-wide DENY on /internal beats that ALLOW, and spellings of /internal that a client might use to slip past
 * the DENY are denied after the sidecar normalizes the path.
 */
class AuthorizationPolicyTest {
    private static final String PAYMENTS = "payments:9080";

    private static Mesh mesh;
    private static Workload frontend;
    private static Workload intruder;
    private static Workload payments;

    @BeforeAll
    static void startMesh() {
        mesh = Mesh.create("authz");
        mesh.writeConfig("authz.yaml", """
                apiVersion: security.istio.io/v1
                kind: PeerAuthentication
                metadata: {name: default, namespace: istio-system}
                spec:
                  mtls: {mode: STRICT}
                ---
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata: {name: deny-internal, namespace: istio-system}
                spec:
                  action: DENY
                  rules:
                  - to:
                    - operation: {paths: ["/internal*"]}
                ---
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata: {name: payments-from-frontend, namespace: default}
                spec:
                  selector: {matchLabels: {app: payments}}
                  action: ALLOW
                  rules:
                  - from:
                    - source: {principals: ["cluster.local/ns/default/sa/frontend"]}
                    to:
                    - operation: {methods: ["GET"]}
                """);
        mesh.startControlPlane("--cert-ttl", "60s");
        frontend = mesh.addSecureEchoWorkload("frontend", "frontend", "v1", 8080, "frontend");
        intruder = mesh.addSecureEchoWorkload("intruder", "intruder", "v1", 8081, "intruder");
        payments = mesh.addSecureEchoWorkload("payments", "payments", "v1", 9080, "payments");
        mesh.awaitReady();
        MeshClient warmUp = mesh.clientOf(frontend);
        await().atMost(Mesh.STARTUP).pollInterval(Duration.ofMillis(200))
                .until(() -> warmUp.tryGet(PAYMENTS, "/").status() == 200);
    }

    @AfterAll
    static void stopMesh() {
        if (mesh != null) {
            mesh.close();
        }
    }

    @Test
    void theAllowedIdentityGets200AndAnotherGets403() throws Exception {
        assertThat(mesh.clientOf(frontend).get(PAYMENTS, "/charge").status()).isEqualTo(200);
        Reply denied = mesh.clientOf(intruder).get(PAYMENTS, "/charge");
        assertThat(denied.status()).isEqualTo(403);
        assertThat(denied.body()).isEqualTo("RBAC: access denied");
        assertThat(denied.header("x-weft-response-flags")).isEqualTo("RBAC");
        // the proxy shows the RBAC filters it applied in /config_dump
        assertThat(Mesh.plainGet(payments.sidecar().adminUrl("/config_dump")).body())
                .contains("envoy.filters.http.rbac", "ns[default]-policy[payments-from-frontend]-rule[0]");
    }

    @Test
    void aDenyOnAPathBeatsTheAllowAndBypassSpellingsAreDenied() throws Exception {
        MeshClient client = mesh.clientOf(frontend);
        assertThat(client.get(PAYMENTS, "/public/x").status()).isEqualTo(200);
        for (String path : new String[]{"/internal", "/internal/keys", "/public/../internal", "//internal",
                "/%69nternal", "/./internal", "/public/%2E%2E/internal", "/%2Finternal", "/public/..%2Finternal"}) {
            Reply reply = client.get(PAYMENTS, path);
            assertThat(reply.status()).as(path).isEqualTo(403);
            assertThat(reply.body()).as(path).isEqualTo("RBAC: access denied");
        }
    }
}
