package dev.weft.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.weft.tests.harness.Mesh;
import dev.weft.tests.harness.MeshClient;
import dev.weft.tests.harness.Reply;
import dev.weft.tests.harness.Workload;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The control plane goes away and comes back; proxies restart meanwhile. Traffic must not care. */
class ResilienceTest {
    private static final String REVIEWS = "reviews:9080";
    private Mesh mesh;

    @AfterEach
    void stopMesh() {
        if (mesh != null) {
            mesh.close();
        }
    }

    @Test
    void trafficSurvivesControlPlaneLossAndRestartedProxiesServeFromTheirCache() throws Exception {
        mesh = Mesh.create("resilience");
        mesh.writeConfig("reviews-subsets.yaml", RoutingConfigs.REVIEWS_SUBSETS);
        mesh.writeConfig("reviews-routes.yaml", RoutingConfigs.reviewsAllTo("v1"));
        mesh.startControlPlane("--endpoint-grace-period", "1000");
        Workload clientWorkload = mesh.addEchoWorkload("client", "client", "v1", 8080);
        mesh.addEchoWorkload("reviews-v1", "reviews", "v1", 9080);
        mesh.addEchoWorkload("reviews-v2", "reviews", "v2", 9080);
        mesh.awaitReady();
        MeshClient warmUp = mesh.clientOf(clientWorkload);
        await().atMost(Mesh.STARTUP).pollInterval(Duration.ofMillis(200))
                .until(() -> warmUp.tryGet(REVIEWS, "/").version().equals("v1"));
        // fresh connections: what warm-up saw (404s before routes arrived) must not leak into the steps below
        MeshClient client = mesh.clientOf(clientWorkload);
        RoutingConfigs.assertAllReviewsServedBy("control plane up", client, "v1", 20);

        // 1. the control plane crashes: proxies keep their config, traffic keeps flowing
        mesh.controlPlane().kill();
        RoutingConfigs.assertAllReviewsServedBy("control plane killed", client, "v1", 100);
        Thread.sleep(1_000);
        RoutingConfigs.assertAllReviewsServedBy("control plane still down", client, "v1", 100);

        // 2. a proxy restarts while the control plane is still down: it serves from its on-disk cache
        clientWorkload.sidecar().kill();
        clientWorkload.sidecar().start().awaitReady(Mesh.STARTUP);
        MeshClient restartedClient = mesh.clientOf(clientWorkload);
        RoutingConfigs.assertAllReviewsServedBy("proxy restarted from its cache", restartedClient, "v1", 100);

        // 3. the control plane returns: proxies reconnect, and a later config change reaches them
        mesh.controlPlane().start().awaitReady(Mesh.STARTUP);
        mesh.writeConfig("reviews-routes.yaml", RoutingConfigs.reviewsAllTo("v2"));
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                .until(() -> restartedClient.tryGet(REVIEWS, "/").version().equals("v2"));
        Thread.sleep(500);
        RoutingConfigs.assertAllReviewsServedBy("config changed after the control plane returned", mesh.clientOf(clientWorkload), "v2", 100);
        // the restarted control plane served reviews' endpoints from its saved registrations at once; the reviews
        // proxies themselves come back within their reconnect backoff
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).untilAsserted(() ->
                assertThat(mesh.controlPlaneGet("/debug/syncz").body()).contains("client", "reviews"));

        // 4. a workload leaves: once the grace period is over its endpoint is withdrawn everywhere, so the
        //    client's sidecar answers "no healthy upstream" (UH) itself instead of trying a dead address (UF)
        mesh.workload("reviews-v2").sidecar().stop();
        MeshClient afterLeave = mesh.clientOf(clientWorkload);
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            Reply reply = afterLeave.tryGet(REVIEWS, "/gone");
            assertThat(reply.status()).as("%s", reply).isEqualTo(503);
            assertThat(reply.header("x-weft-response-flags")).as("%s", reply).isEqualTo("UH");
        });
    }
}
