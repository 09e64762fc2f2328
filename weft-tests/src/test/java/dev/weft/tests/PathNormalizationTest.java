package dev.weft.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weft.tests.harness.Mesh;
import dev.weft.tests.harness.RawHttp;
import dev.weft.tests.harness.Workload;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The connection manager normalizes the request path before routing, rate limiting and authorization see it (Istio's
 * MERGE_SLASHES: {@code normalize_path}, {@code merge_slashes}, escaped slashes kept): other spellings of
 * {@code /x} take {@code /x}'s route and reach the app as {@code /x}, and a rate-limited route cannot be bypassed
 * by doubling a slash. Requests go out as the client wrote them (raw sockets; the JDK client may tidy paths).
 */
class PathNormalizationTest {
    private static final String CONFIG = """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: server, namespace: default}
            spec:
              hosts: [server]
              http:
              - name: exact-x
                match: [{uri: {exact: /x}}]
                headers: {request: {set: {x-route: exact-x}}}
                route: [{destination: {host: server}}]
              - name: other
                headers: {request: {set: {x-route: other}}}
                route: [{destination: {host: server}}]
            ---
            apiVersion: weft.dev/v1alpha1
            kind: LocalRateLimit
            metadata: {name: server}
            spec:
              selector: {matchLabels: {app: server}}
              tokenBucket: {maxTokens: 1000, tokensPerFill: 1000, fillInterval: 1s}
              routes:
              - name: limited
                match: {uri: {exact: /limited}}
                tokenBucket: {maxTokens: 2, fillInterval: 600s}
            """;
    private static final String HOST = "server:8080";
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Mesh mesh;
    private static int outbound;
    private static int serverInbound;

    @BeforeAll
    static void startMesh() {
        mesh = Mesh.create("paths");
        mesh.writeConfig("paths.yaml", CONFIG);
        mesh.startControlPlane();
        Workload client = mesh.addEchoWorkload("client", "client", "v1", 9090);
        Workload server = mesh.addEchoWorkload("server", "server", "v1", 8080);
        mesh.awaitReady();
        outbound = client.sidecar().outboundPort();
        serverInbound = server.sidecar().inboundPort();
        // routes (and the server's registration) arrive a moment after /ready; the first requests of a cold mesh
        // on a loaded machine may time out
        await().atMost(Mesh.STARTUP).pollInterval(Duration.ofMillis(200)).ignoreExceptions().until(() ->
                "exact-x".equals(echoed(get(outbound, "/x")).path("headers").path("x-route").asText()));
    }

    @AfterAll
    static void stopMesh() {
        if (mesh != null) {
            mesh.close();
        }
    }

    private static RawHttp.Response get(int port, String path) throws Exception {
        return RawHttp.get(port, path, HOST);
    }

    private static JsonNode echoed(RawHttp.Response response) throws Exception {
        return response.status() == 200 ? JSON.readTree(response.body()) : JSON.createObjectNode();
    }

    @Test
    void otherSpellingsOfAPathTakeItsRouteAndReachTheAppNormalized() throws Exception {
        for (String spelling : new String[] {"/x", "//x", "/a/../x", "/./x", "/%2e%2e/x", "/a/%2E%2E/x", "///x?q=/../y"}) {
            RawHttp.Response r = get(outbound, spelling);
            assertThat(r.status()).as("%s: %s", spelling, r).isEqualTo(200);
            JsonNode echo = echoed(r);
            assertThat(echo.path("headers").path("x-route").asText()).as("route taken by %s", spelling)
                    .isEqualTo("exact-x");
            assertThat(echo.path("path").asText()).as("path the app got for %s", spelling).isEqualTo("/x");
        }
        assertThat(echoed(get(outbound, "/x?q=/../y")).path("query").asText()).as("the query is left alone")
                .isEqualTo("q=/../y");
        // an encoded slash stays as sent (KEEP_UNCHANGED): not /x's route
        assertThat(echoed(get(outbound, "/%2Fx")).path("headers").path("x-route").asText()).isEqualTo("other");
        assertThat(get(outbound, "/x%00").status()).as("a path that cannot be normalized").isEqualTo(400);
    }

    @Test
    void aRateLimitedRouteCannotBeBypassedBySpellingItDifferently() throws Exception {
        // the server sidecar's route bucket holds 2 tokens for ten minutes; every spelling draws from it
        int passed = 0;
        int limited = 0;
        for (String spelling : new String[] {"/limited", "//limited", "/a/../limited", "/./limited", "//limited",
                "/%2e%2e//limited"}) {
            int status = get(serverInbound, spelling).status();
            if (status == 200) {
                passed++;
            } else {
                assertThat(status).as("%s", spelling).isEqualTo(429);
                limited++;
            }
        }
        assertThat(passed).as("requests that passed the 2-token route bucket").isEqualTo(2);
        assertThat(limited).isEqualTo(4);
        // through the client's sidecar too, and an unlimited path still passes
        assertThat(get(outbound, "//limited").status()).isEqualTo(429);
        assertThat(get(serverInbound, "/unlimited").status()).isEqualTo(200);
    }
}
