package dev.weft.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.weft.tests.harness.Mesh;
import dev.weft.tests.harness.MeshClient;
import dev.weft.tests.harness.Reply;
import dev.weft.tests.harness.Workload;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Sidecars on each ADS variant through real processes — incremental (delta, the default) and state of the world, which
 * the rest of the suite no longer runs: traffic flows, a VirtualService change and an endpoint removal take effect,
 * and the control plane's /debug/syncz shows every stream of that variant ACKed.
 */
class AdsVariantsTest {
    private static final String REVIEWS = "reviews:9080";
    private Mesh mesh;

    @AfterEach
    void stopMesh() {
        if (mesh != null) {
            mesh.close();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"delta", "sotw"})
    void sidecarsFollowRouteAndEndpointChangesAndAreShownInSync(String api) throws Exception {
        List<String> variant = List.of("--xds-api", api);
        mesh = Mesh.create("xds-" + api);
        mesh.writeConfig("reviews-subsets.yaml", RoutingConfigs.REVIEWS_SUBSETS);
        mesh.writeConfig("reviews-routes.yaml", RoutingConfigs.reviewsAllTo("v1"));
        mesh.startControlPlane("--endpoint-grace-period", "1000");
        Workload clientWorkload = mesh.addEchoWorkload("client", "client", "v1", 8080, variant);
        mesh.addEchoWorkload("reviews-v1", "reviews", "v1", 9080, variant);
        mesh.addEchoWorkload("reviews-v2", "reviews", "v2", 9080, variant);
        mesh.awaitReady();
        MeshClient warmUp = mesh.clientOf(clientWorkload);
        await().atMost(Mesh.STARTUP).pollInterval(Duration.ofMillis(200))
                .until(() -> warmUp.tryGet(REVIEWS, "/").version().equals("v1"));
        MeshClient client = mesh.clientOf(clientWorkload);
        RoutingConfigs.assertAllReviewsServedBy("initial config", client, "v1", 20);

        // 1. a VirtualService change reaches the client's sidecar as a changed RouteConfiguration
        mesh.writeConfig("reviews-routes.yaml", RoutingConfigs.reviewsAllTo("v2"));
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                .until(() -> client.tryGet(REVIEWS, "/").version().equals("v2"));
        Thread.sleep(300);
        RoutingConfigs.assertAllReviewsServedBy("routes changed", mesh.clientOf(clientWorkload), "v2", 50);

        // 2. the control plane shows every proxy on a stream of that variant, each type ACKed at the version it sent
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            JsonNode proxies = mesh.controlPlaneGet("/debug/syncz").json();
            List<String> services = new ArrayList<>();
            for (JsonNode p : proxies) {
                services.add(p.get("service").asText());
                assertThat(p.get("api").asText()).as("%s", p).isEqualTo(api);
                for (String type : List.of("cds", "eds", "lds", "rds")) {
                    JsonNode t = p.get("types").get(type);
                    assertThat(t.get("ackedVersion").isNull()).as("%s %s", p.get("id"), type).isFalse();
                    assertThat(t.get("inSync").asBoolean()).as("%s %s", p.get("id"), t).isTrue();
                    assertThat(t.get("nack").isNull()).as("%s %s", p.get("id"), t).isTrue();
                }
            }
            assertThat(services).containsExactlyInAnyOrder("client", "reviews", "reviews");
        });

        // 3. an endpoint leaves: once withdrawn, the client's sidecar answers "no healthy upstream" itself (UH)
        //    rather than trying the dead address (UF), so the EDS update was applied
        mesh.workload("reviews-v2").sidecar().stop();
        MeshClient afterLeave = mesh.clientOf(clientWorkload);
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            Reply reply = afterLeave.tryGet(REVIEWS, "/gone");
            assertThat(reply.status()).as("%s", reply).isEqualTo(503);
            assertThat(reply.header("x-weft-response-flags")).as("%s", reply).isEqualTo("UH");
        });
        // and routing back to v1 still works on the same stream
        mesh.writeConfig("reviews-routes.yaml", RoutingConfigs.reviewsAllTo("v1"));
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                .until(() -> afterLeave.tryGet(REVIEWS, "/").version().equals("v1"));
        Thread.sleep(300);
        RoutingConfigs.assertAllReviewsServedBy("routed back", mesh.clientOf(clientWorkload), "v1", 20);
    }
}
