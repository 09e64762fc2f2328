package dev.weft.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A whole Proxy fed by Envoy's reference xDS server, with real backends, listeners and admin port. */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ProxyXdsTest {
    static final String REVIEWS = "outbound|9080||reviews.default.svc.cluster.local";

    @TempDir
    Path dataDir;

    private TestBackend v1;
    private TestBackend v2;
    private TestBackend app;
    private XdsTestServer xds;
    private Proxy proxy;
    private int outboundPort;
    private int inboundPort;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeEach
    void start() throws IOException {
        v1 = new TestBackend("v1");
        v2 = new TestBackend("v2");
        app = new TestBackend("app");
        outboundPort = freePort();
        inboundPort = freePort();
        xds = new XdsTestServer().start(0);
    }

    @AfterEach
    void stop() {
        if (proxy != null) {
            proxy.close();
        }
        xds.close();
        v1.close();
        v2.close();
        app.close();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private Snapshot config(String version, int reviewsPort) {
        String inbound = "inbound|" + app.port() + "||";
        RouteConfiguration outboundRoutes = RouteConfiguration.newBuilder().setName("outbound")
                .addVirtualHosts(VirtualHost.newBuilder().setName("reviews.default.svc.cluster.local:9080")
                        .addDomains("reviews").addDomains("reviews:9080")
                        .addDomains("reviews.default.svc.cluster.local")
                        .addDomains("reviews.default.svc.cluster.local:9080")
                        .addRoutes(Route.newBuilder().setMatch(RouteMatch.newBuilder().setPrefix("/"))
                                .setRoute(RouteAction.newBuilder().setCluster(REVIEWS)
                                        .setTimeout(com.google.protobuf.Duration.getDefaultInstance()))))
                .build();
        RouteConfiguration inboundRoutes = RouteConfiguration.newBuilder().setName("inbound|" + app.port())
                .addVirtualHosts(VirtualHost.newBuilder().setName("inbound").addDomains("*")
                        .addRoutes(Route.newBuilder().setMatch(RouteMatch.newBuilder().setPrefix("/"))
                                .setRoute(RouteAction.newBuilder().setCluster(inbound))))
                .build();
        return XdsTestServer.snapshot(version,
                List.of(XdsTestServer.edsCluster(REVIEWS), XdsTestServer.staticCluster(inbound, app.port())),
                List.of(XdsTestServer.endpoints(REVIEWS, reviewsPort)),
                List.of(XdsTestServer.rdsListener("outbound", outboundPort, "outbound"),
                        XdsTestServer.inlineListener("inbound", inboundPort, inboundRoutes)),
                List.of(outboundRoutes));
    }

    private ProxyOptions options(String controlPlane) {
        return new ProxyOptions(controlPlane, "productpage", "default", Map.of("app", "productpage"), "default",
                app.port(), 0, "http", inboundPort, outboundPort, 0, "127.0.0.1", List.of(), dataDir);
    }

    private HttpResponse<String> admin(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.adminPort() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private String viaHttpProxy(String url) throws Exception {
        HttpClient client = HttpClient.newBuilder()
                .proxy(ProxySelector.of(new InetSocketAddress("127.0.0.1", outboundPort))).build();
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofString());
        return r.statusCode() + " " + r.headers().firstValue("x-backend").orElse("-");
    }

    @Test
    void servesOutboundAndInboundTrafficFromXdsAndReportsOnTheAdminPort() throws Exception {
        xds.set(config("1", v1.port()));
        proxy = Proxy.start(options("127.0.0.1:" + xds.port()));
        await().atMost(Duration.ofSeconds(15)).until(proxy::isReady);
        assertThat(admin("/ready").statusCode()).isEqualTo(200);
        assertThat(proxy.listenerPort("outbound")).isEqualTo(outboundPort);

        // HTTP proxy mode, as http_proxy= makes clients do
        assertThat(viaHttpProxy("http://reviews:9080/reviews/1")).isEqualTo("200 v1");
        assertThat(viaHttpProxy("http://ratings:9080/")).isEqualTo("404 -");
        // inbound: any host goes to the app
        try (RawHttpClient c = new RawHttpClient(inboundPort)) {
            assertThat(c.get("/", "Host: productpage.default.svc.cluster.local:9080").header("x-backend"))
                    .isEqualTo("app");
        }

        String dump = admin("/config_dump").body();
        assertThat(dump).contains("outbound", REVIEWS);
        String clusters = admin("/clusters").body();
        assertThat(clusters).contains(REVIEWS, "127.0.0.1:" + v1.port(), "activeRequests");
        assertThat(admin("/clusters?format=text").body()).contains(REVIEWS + "::127.0.0.1:" + v1.port()
                + "::rq_active::0");
        assertThat(admin("/").body()).contains("/ready", "/config_dump", "/clusters");
    }

    @Test
    void configChangeAppliesLiveAndCachedConfigServesAfterRestartWithoutControlPlane() throws Exception {
        xds.set(config("1", v1.port()));
        proxy = Proxy.start(options("127.0.0.1:" + xds.port()));
        await().atMost(Duration.ofSeconds(15)).until(proxy::isReady);
        assertThat(viaHttpProxy("http://reviews:9080/")).isEqualTo("200 v1");

        xds.set(config("2", v2.port()));
        await().atMost(Duration.ofSeconds(5)).until(() -> viaHttpProxy("http://reviews:9080/").equals("200 v2"));
        assertThat(proxy.listenerPort("outbound")).isEqualTo(outboundPort);

        // the control plane goes away, then the proxy restarts: it serves the cached config
        proxy.close();
        proxy = null;
        int controlPlanePort = xds.port();
        xds.close();
        proxy = Proxy.start(options("127.0.0.1:" + controlPlanePort));
        await().atMost(Duration.ofSeconds(10)).until(proxy::isReady);
        assertThat(viaHttpProxy("http://reviews:9080/")).isEqualTo("200 v2");
    }
}
