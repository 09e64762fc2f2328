package dev.weft.tests.extauthz;

import dev.weft.tests.harness.Mesh;
import dev.weft.tests.harness.MeshClient;
import dev.weft.tests.harness.Metrics;
import dev.weft.tests.harness.Reply;
import dev.weft.tests.harness.Workload;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * AuthorizationPolicy CUSTOM end to end: real HTTP and gRPC ext_authz servers, a control plane and sidecars as
 * processes. {@code orders} is checked by the HTTP authorizer on /api/* only (its CUSTOM rules), then a DENY and an
 * ALLOW policy apply in Istio's order; {@code billing} is checked by the gRPC authorizer on every request, which is
 * then stopped (403, status_on_error) and switched to failOpen by a live config change (200).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ExtAuthzTest {
    private static final String ORDERS = "orders:9080";
    private static final String BILLING = "billing:9081";
    private static final String ALLOW = "x-ext-authz";

    private static Mesh mesh;
    private static HttpAuthorizer httpAuthorizer;
    private static GrpcAuthorizer grpcAuthorizer;
    private static Workload orders;
    private static Workload billing;
    private static MeshClient client;

    static String config(boolean grpcFailOpen) {
        return """
                apiVersion: weft.dev/v1alpha1
                kind: MeshConfig
                metadata: {name: mesh, namespace: istio-system}
                spec:
                  extensionProviders:
                  - name: http-authz
                    envoyExtAuthzHttp:
                      service: ext-authz-http.default.svc.cluster.local
                      port: 8000
                      timeout: 10s
                      pathPrefix: /check
                      includeRequestHeadersInCheck: ["x-ext-authz"]
                      includeAdditionalHeadersInCheck: {x-checked-by: weft}
                      headersToUpstreamOnAllow: ["x-ext-authz-check-*"]
                      headersToDownstreamOnAllow: ["x-ext-authz-trace"]
                      headersToDownstreamOnDeny: ["x-ext-authz-check-result", "content-type"]
                  - name: grpc-authz
                    envoyExtAuthzGrpc:
                      service: ext-authz-grpc.default.svc.cluster.local
                      port: 9000
                      timeout: 10s
                      failOpen: FAIL_OPEN
                ---
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: ext-authz-http}
                spec:
                  hosts: [ext-authz-http.default.svc.cluster.local]
                  ports: [{number: 8000, name: http, protocol: HTTP, targetPort: HTTP_PORT}]
                  location: MESH_EXTERNAL
                  resolution: STATIC
                  endpoints: [{address: 127.0.0.1}]
                ---
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: ext-authz-grpc}
                spec:
                  hosts: [ext-authz-grpc.default.svc.cluster.local]
                  ports: [{number: 9000, name: grpc, protocol: GRPC, targetPort: GRPC_PORT}]
                  location: MESH_EXTERNAL
                  resolution: STATIC
                  endpoints: [{address: 127.0.0.1}]
                ---
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata: {name: orders-ext, namespace: default}
                spec:
                  selector: {matchLabels: {app: orders}}
                  action: CUSTOM
                  provider: {name: http-authz}
                  rules:
                  - to:
                    - operation: {paths: ["/api/*"]}
                ---
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata: {name: orders-deny-blocked, namespace: default}
                spec:
                  selector: {matchLabels: {app: orders}}
                  action: DENY
                  rules:
                  - to:
                    - operation: {paths: ["/api/blocked"]}
                ---
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata: {name: orders-allow, namespace: default}
                spec:
                  selector: {matchLabels: {app: orders}}
                  action: ALLOW
                  rules:
                  - to:
                    - operation: {paths: ["/api/*", "/public/*"]}
                ---
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata: {name: billing-ext, namespace: default}
                spec:
                  selector: {matchLabels: {app: billing}}
                  action: CUSTOM
                  provider: {name: grpc-authz}
                  rules:
                  - {}
                """.replace("FAIL_OPEN", String.valueOf(grpcFailOpen))
                .replace("HTTP_PORT", String.valueOf(httpAuthorizer.port()))
                .replace("GRPC_PORT", String.valueOf(grpcAuthorizer.port()));
    }

    @BeforeAll
    static void startMesh() throws Exception {
        httpAuthorizer = new HttpAuthorizer();
        grpcAuthorizer = new GrpcAuthorizer();
        mesh = Mesh.create("extauthz");
        mesh.writeConfig("mesh.yaml", config(false));
        mesh.startControlPlane();
        Workload clientWorkload = mesh.addEchoWorkload("client", "client", "v1", 8080);
        orders = mesh.addEchoWorkload("orders", "orders", "v1", 9080);
        billing = mesh.addEchoWorkload("billing", "billing", "v1", 9081);
        mesh.awaitReady();
        client = mesh.clientOf(clientWorkload);
        await().atMost(Mesh.STARTUP).pollInterval(Duration.ofMillis(200)).until(() ->
                client.tryGet(ORDERS, "/api/warm", ALLOW, "allow").status() == 200
                        && client.tryGet(BILLING, "/warm", ALLOW, "allow").status() == 200);
    }

    @AfterAll
    static void stopMesh() throws Exception {
        if (mesh != null) {
            mesh.close();
        }
        if (httpAuthorizer != null) {
            httpAuthorizer.close();
        }
        if (grpcAuthorizer != null) {
            grpcAuthorizer.close();
        }
    }

    @Test
    @Order(1)
    void httpAuthorizerAllowsAndItsHeadersReachTheUpstreamAndTheClient() throws Exception {
        httpAuthorizer.checks.clear();
        Reply ok = client.get(ORDERS, "/api/items?id=7", ALLOW, "allow", "x-secret", "do-not-send");
        assertThat(ok.status()).isEqualTo(200);
        var echoed = ok.json().get("headers");
        assertThat(echoed.path("x-ext-authz-check-result").asText()).isEqualTo("allowed"); // headersToUpstreamOnAllow
        assertThat(echoed.has("x-not-for-upstream")).isFalse();
        assertThat(echoed.path("x-secret").asText()).as("the request's own headers stay").isEqualTo("do-not-send");
        assertThat(ok.header("x-ext-authz-trace")).isEqualTo("checked"); // headersToDownstreamOnAllow
        // what the authorizer got: the original method, pathPrefix + path, Host, the listed and the added headers only
        HttpAuthorizer.Check check = httpAuthorizer.checks.poll();
        assertThat(check).isNotNull();
        assertThat(check.method()).isEqualTo("GET");
        assertThat(check.path()).isEqualTo("/check/api/items?id=7");
        assertThat(check.header("host")).isEqualTo(ORDERS);
        assertThat(check.header("x-ext-authz")).isEqualTo("allow");
        assertThat(check.header("x-checked-by")).isEqualTo("weft");
        assertThat(check.header("x-secret")).isNull();
        // the sidecar shows the filters it applied
        assertThat(Mesh.plainGet(orders.sidecar().adminUrl("/config_dump")).body())
                .contains("envoy.filters.http.ext_authz", "istio_ext_authz_shadow_effective_policy_id");
    }

    @Test
    @Order(2)
    void httpAuthorizerDeniesWithItsStatusBodyAndAllowedHeaders() throws Exception {
        Reply denied = client.get(ORDERS, "/api/items");
        assertThat(denied.status()).isEqualTo(403);
        assertThat(denied.body()).isEqualTo(HttpAuthorizer.DENIED_BODY);
        assertThat(denied.header("x-ext-authz-check-result")).isEqualTo("denied"); // headersToDownstreamOnDeny
        assertThat(denied.header("content-type")).isEqualTo("text/plain");
        assertThat(denied.header("x-not-for-client")).isNull();
        assertThat(denied.header("x-weft-response-flags")).isEqualTo("UAEX");
        assertThat(client.get(ORDERS, "/api/items", ALLOW, "teapot").status()).isEqualTo(418); // its own status
    }

    @Test
    @Order(2)
    void aRequestBodyWaitsForTheCheckAndThenReachesTheApp() throws Exception {
        String body = "x".repeat(100_000); // several reads: held while the check runs, then handed on
        Reply ok = client.post(ORDERS, "/api/items", body, ALLOW, "allow");
        assertThat(ok.status()).isEqualTo(200);
        assertThat(ok.json().get("bodyLength").asLong()).isEqualTo(body.length());
        Reply denied = client.post(ORDERS, "/api/items", body);
        assertThat(denied.status()).isEqualTo(403);
        assertThat(client.get(ORDERS, "/api/items", ALLOW, "allow").status()).as("the connection still works")
                .isEqualTo(200);
    }

    @Test
    @Order(3)
    void requestsTheCustomRulesDoNotMatchSkipTheCheck() throws Exception {
        httpAuthorizer.checks.clear();
        Reply reply = client.get(ORDERS, "/public/page"); // no x-ext-authz: would be denied if checked
        assertThat(reply.status()).isEqualTo(200);
        assertThat(httpAuthorizer.checks).isEmpty();
    }

    @Test
    @Order(4)
    void customIsEvaluatedBeforeDenyAndDenyBeforeAllow() throws Exception {
        // CUSTOM first: the authorizer's denial, not RBAC's, for a path the DENY policy also covers
        Reply byAuthorizer = client.get(ORDERS, "/api/blocked");
        assertThat(byAuthorizer.status()).isEqualTo(403);
        assertThat(byAuthorizer.header("x-weft-response-flags")).isEqualTo("UAEX");
        // allowed by CUSTOM, then denied by the DENY policy
        Reply byDeny = client.get(ORDERS, "/api/blocked", ALLOW, "allow");
        assertThat(byDeny.status()).isEqualTo(403);
        assertThat(byDeny.body()).isEqualTo("RBAC: access denied");
        assertThat(byDeny.header("x-weft-response-flags")).isEqualTo("RBAC");
        // not checked by CUSTOM, not covered by the ALLOW policy: ALLOW's implicit deny
        Reply byAllow = client.get(ORDERS, "/other", ALLOW, "allow");
        assertThat(byAllow.status()).isEqualTo(403);
        assertThat(byAllow.header("x-weft-response-flags")).isEqualTo("RBAC");

        String stats = Metrics.scrape(orders);
        assertThat(Metrics.sum(stats, "envoy_http_ext_authz_ok")).isGreaterThanOrEqualTo(2);
        assertThat(Metrics.sum(stats, "envoy_http_ext_authz_denied")).isGreaterThanOrEqualTo(2);
        assertThat(Metrics.sum(stats, "envoy_http_ext_authz_error")).isZero();
    }

    @Test
    @Order(5)
    void grpcAuthorizerAllowsWithHeadersAndDeniesWithItsResponse() throws Exception {
        grpcAuthorizer.checks.clear();
        Reply ok = client.get(BILLING, "/invoices/1", ALLOW, "allow", "x-remove-me", "gone");
        assertThat(ok.status()).isEqualTo(200);
        var echoed = ok.json().get("headers");
        assertThat(echoed.path("x-ext-authz-check-result").asText()).isEqualTo("allowed");
        assertThat(echoed.has("x-remove-me")).isFalse(); // ok_response.headers_to_remove
        assertThat(ok.header("x-ext-authz-trace")).isEqualTo("grpc-checked"); // ok_response.response_headers_to_add
        var http = grpcAuthorizer.checks.poll().getAttributes().getRequest().getHttp();
        assertThat(http.getMethod()).isEqualTo("GET");
        assertThat(http.getPath()).isEqualTo("/invoices/1");
        assertThat(http.getHost()).isEqualTo(BILLING);

        Reply denied = client.get(BILLING, "/invoices/1");
        assertThat(denied.status()).isEqualTo(403);
        assertThat(denied.body()).isEqualTo(GrpcAuthorizer.DENIED_BODY);
        assertThat(denied.header("x-ext-authz-check-result")).isEqualTo("denied");
    }

    @Test
    @Order(6)
    void authorizerDownIsA403UnlessFailOpen() throws Exception {
        grpcAuthorizer.close();
        Reply down = client.get(BILLING, "/invoices/1", ALLOW, "allow");
        assertThat(down.status()).isEqualTo(403); // status_on_error's default
        assertThat(down.header("x-weft-response-flags")).isEqualTo("UAEX");
        assertThat(Metrics.sum(Metrics.scrape(billing), "envoy_http_ext_authz_error")).isGreaterThanOrEqualTo(1);

        mesh.writeConfig("mesh.yaml", config(true)); // failOpen: true, pushed to the running sidecar
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> client.tryGet(BILLING, "/invoices/1").status() == 200);
        assertThat(Metrics.sum(Metrics.scrape(billing), "envoy_http_ext_authz_failure_mode_allowed"))
                .isGreaterThanOrEqualTo(1);
    }
}
