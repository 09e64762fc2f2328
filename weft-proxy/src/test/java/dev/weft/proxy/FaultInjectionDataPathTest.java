package dev.weft.proxy;

import static dev.weft.proxy.TestConfigs.forward;
import static dev.weft.proxy.TestConfigs.host;
import static dev.weft.proxy.TestConfigs.prefix;
import static dev.weft.proxy.TestConfigs.staticCluster;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.dataplane.cluster.DefaultClusterManager;
import dev.weft.dataplane.config.ConfigSnapshot;
import dev.weft.dataplane.config.HeaderMutations;
import dev.weft.dataplane.config.HttpConnectionManagerConfig;
import dev.weft.dataplane.config.ListenerConfig;
import dev.weft.dataplane.config.Route;
import dev.weft.dataplane.config.RouteTable;
import dev.weft.dataplane.fault.FaultPolicy;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Fault injection on the data path: request bodies survive a delay, aborts keep the connection usable. */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class FaultInjectionDataPathTest {
    private static final FaultPolicy DELAY_150MS = new FaultPolicy(new FaultPolicy.Delay(150, FaultPolicy.MILLION),
            null);
    private static final FaultPolicy ABORT_ALL = new FaultPolicy(null,
            new FaultPolicy.Abort(418, -1, FaultPolicy.MILLION));
    private TestBackend v1;
    private ProxyRuntime proxy;

    @BeforeEach
    void start() throws IOException {
        v1 = new TestBackend("v1");
        proxy = new ProxyRuntime(new DefaultClusterManager());
    }

    @AfterEach
    void stop() {
        proxy.close();
        v1.close();
    }

    private int apply(boolean faultFilter) {
        List<Route> routes = List.of(
                new Route("delay", prefix("/upload"), forward("v1"), HeaderMutations.NONE, HeaderMutations.NONE,
                        DELAY_150MS),
                new Route("abort", prefix("/abort"), forward("v1"), HeaderMutations.NONE, HeaderMutations.NONE,
                        ABORT_ALL),
                new Route("plain", prefix("/"), forward("v1"), HeaderMutations.NONE, HeaderMutations.NONE));
        List<String> filters = faultFilter ? List.of(FaultPolicy.FILTER, "envoy.filters.http.router")
                : List.of("envoy.filters.http.router");
        HttpConnectionManagerConfig hcm = new HttpConnectionManagerConfig("outbound", null,
                new RouteTable("outbound", List.of(host("reviews", List.of("*"), routes.toArray(Route[]::new)))),
                filters, true);
        var cluster = staticCluster("v1", v1.port());
        proxy.apply(new ConfigSnapshot(Map.of(), Map.of("outbound", new ListenerConfig("outbound", "127.0.0.1", 0,
                hcm)), Map.of(), Map.of("v1", cluster), Map.of()));
        return proxy.listenerPort("outbound");
    }

    @Test
    void aDelayedRequestKeepsItsBodyAndTheConnectionServesTheNextRequest() throws IOException {
        int port = apply(true);
        byte[] body = "x".repeat(10_000).getBytes(StandardCharsets.UTF_8);
        try (RawHttpClient c = new RawHttpClient(port)) {
            long start = System.nanoTime();
            c.sendHead("POST", "/upload", "Host: reviews", "Content-Length: " + body.length);
            c.write(body);
            RawHttpClient.Response r = c.readResponse(false);
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertThat(r.status()).isEqualTo(200);
            assertThat(new String(r.body(), StandardCharsets.UTF_8)).startsWith("bytes=" + body.length + " ");
            assertThat(r.header("x-weft-response-flags")).isEqualTo("DI");
            assertThat(millis).isGreaterThanOrEqualTo(150);
            RawHttpClient.Response next = c.get("/plain", "Host: reviews");
            assertThat(next.status()).isEqualTo(200);
            assertThat(next.header("x-weft-response-flags")).isNull();
        }
    }

    @Test
    void anAbortedRequestWithABodyIsAnsweredLocallyAndTheConnectionStaysUsable() throws IOException {
        int port = apply(true);
        byte[] body = "hello".getBytes(StandardCharsets.UTF_8);
        try (RawHttpClient c = new RawHttpClient(port)) {
            c.sendHead("POST", "/abort/upload", "Host: reviews", "Content-Length: " + body.length);
            c.write(body);
            RawHttpClient.Response r = c.readResponse(false);
            assertThat(r.status()).isEqualTo(418);
            assertThat(r.header("x-weft-response-flags")).isEqualTo("FI");
            assertThat(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo("fault filter abort");
            RawHttpClient.Response next = c.get("/plain", "Host: reviews");
            assertThat(next.status()).isEqualTo(200);
        }
    }

    @Test
    void routeFaultsNeedTheFaultFilterOnTheListener() throws IOException {
        int port = apply(false);
        try (RawHttpClient c = new RawHttpClient(port)) {
            RawHttpClient.Response r = c.get("/abort", "Host: reviews");
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.header("x-weft-response-flags")).isNull();
        }
    }
}
