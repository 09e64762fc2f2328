package dev.weft.proxy.listener;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.dataplane.cluster.DefaultClusterManager;
import dev.weft.dataplane.config.ClusterConfig;
import dev.weft.dataplane.config.ConfigSnapshot;
import dev.weft.dataplane.config.Endpoint;
import dev.weft.dataplane.config.EndpointSet;
import dev.weft.dataplane.config.HeaderMutations;
import dev.weft.dataplane.config.HttpConnectionManagerConfig;
import dev.weft.dataplane.config.ListenerConfig;
import dev.weft.dataplane.config.ProtocolDetection;
import dev.weft.dataplane.config.Route;
import dev.weft.dataplane.config.RouteAction;
import dev.weft.dataplane.config.RouteMatch;
import dev.weft.dataplane.config.RouteTable;
import dev.weft.dataplane.config.TcpProxyConfig;
import dev.weft.dataplane.config.VirtualHost;
import dev.weft.proxy.ProxyRuntime;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A listener whose port declares no protocol (http_inspector + an HTTP chain + a TCP chain) through real sockets: a
 * server-first protocol gets its banner once the detection timeout passes, HTTP/1.1 and h2c are routed as HTTP, and
 * a client-first binary protocol goes to the TCP chain at once.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ProtocolDetectionTest {
    private static final Duration DETECTION = Duration.ofMillis(500);
    private ProxyRuntime proxy;
    private com.sun.net.httpserver.HttpServer http;
    private ServerSocket banner;
    private int port;

    @BeforeEach
    void start() throws IOException {
        http = com.sun.net.httpserver.HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        http.createContext("/", ex -> {
            byte[] body = ("http " + ex.getRequestMethod() + " " + ex.getRequestURI() + "\n").getBytes(StandardCharsets.US_ASCII);
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        http.start();
        banner = new ServerSocket(0, 16, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(this::serveBanner);
        proxy = new ProxyRuntime(new DefaultClusterManager());
        port = apply(true);
    }

    /** A server-first protocol: greets on connect, then echoes lines. */
    private void serveBanner() {
        while (!banner.isClosed()) {
            try {
                Socket c = banner.accept();
                Thread.ofVirtual().start(() -> {
                    try (c) {
                        OutputStream out = c.getOutputStream();
                        out.write("220 banner ready\r\n".getBytes(StandardCharsets.US_ASCII));
                        out.flush();
                        c.getInputStream().transferTo(out);
                    } catch (IOException ignored) {
                        // client went away
                    }
                });
            } catch (IOException closed) {
                return;
            }
        }
    }

    private int apply(boolean continueOnTimeout) {
        RouteTable routes = new RouteTable("detected", List.of(new VirtualHost("all", List.of("*"), List.of(
                new Route("default", new RouteMatch(new RouteMatch.PathMatch.Prefix("/"), true, List.of(), List.of()),
                        new RouteAction.Forward(List.of(new RouteAction.WeightedCluster("web", 1, HeaderMutations.NONE,
                                HeaderMutations.NONE)), null, null, null, Duration.ZERO, List.of(), null),
                        HeaderMutations.NONE, HeaderMutations.NONE)), HeaderMutations.NONE, HeaderMutations.NONE)));
        HttpConnectionManagerConfig hcm = new HttpConnectionManagerConfig("detected", null, routes,
                List.of("envoy.filters.http.router"), true);
        ListenerConfig listener = ListenerConfig.detecting("detected", "127.0.0.1", 0, hcm,
                new TcpProxyConfig("detected", List.of(new TcpProxyConfig.WeightedCluster("banner", 1)),
                        Duration.ofMinutes(1)),
                new ProtocolDetection(DETECTION, continueOnTimeout, Set.of("http/1.0", "http/1.1", "h2c")));
        proxy.apply(new ConfigSnapshot(Map.of(), Map.of(listener.name(), listener), Map.of(),
                Map.of("web", cluster("web", http.getAddress().getPort()),
                        "banner", cluster("banner", banner.getLocalPort())), Map.of()));
        return proxy.listenerPort(listener.name());
    }

    private static ClusterConfig cluster(String name, int port) {
        return new ClusterConfig(name, ClusterConfig.DiscoveryType.STATIC, null, new EndpointSet(name,
                List.of(new Endpoint("127.0.0.1", port, 1, true, false, Map.of()))),
                ClusterConfig.LbPolicy.ROUND_ROBIN, 0, Duration.ofSeconds(2));
    }

    @AfterEach
    void stop() throws IOException {
        proxy.close();
        http.stop(0);
        banner.close();
    }

    @Test
    void aServerFirstProtocolGetsItsBannerOnceDetectionTimesOut() throws Exception {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(20_000);
            long start = System.nanoTime();
            String greeting = readLine(s.getInputStream());
            long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertThat(greeting).isEqualTo("220 banner ready");
            // not before the timeout (nothing told it apart sooner); a loaded machine may add seconds, never forever
            assertThat(waited).isGreaterThanOrEqualTo(DETECTION.toMillis() - 50).isLessThan(15_000);
            s.getOutputStream().write("EHLO weft\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(readLine(s.getInputStream())).isEqualTo("EHLO weft");
        }
    }

    @Test
    void http11AndH2cOnTheSamePortAreRoutedAsHttp() throws Exception {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(20_000);
            s.getOutputStream().write("GET /one HTTP/1.1\r\nHost: svc\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            String response = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertThat(response).startsWith("HTTP/1.1 200").endsWith("http GET /one\n");
        }
        Process curl = new ProcessBuilder("curl", "-sS", "-i", "--max-time", "10", "--http2-prior-knowledge",
                "http://127.0.0.1:" + port + "/two").redirectErrorStream(true).start();
        String out = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(curl.waitFor(15, TimeUnit.SECONDS)).isTrue();
        assertThat(out).startsWith("HTTP/2 200").endsWith("http GET /two\n");
    }

    @Test
    void aClientFirstBinaryProtocolGoesToTcp() throws Exception {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(20_000);
            byte[] hello = {0x16, 0x03, 0x01, 0x00, '\n'};
            s.getOutputStream().write(hello);
            assertThat(readLine(s.getInputStream())).isEqualTo("220 banner ready");
            assertThat(s.getInputStream().readNBytes(hello.length)).isEqualTo(hello); // relayed as bytes, echoed
        }
    }

    @Test
    void withoutContinueOnTimeoutASilentClientIsClosed() throws Exception {
        port = apply(false); // a new listener config: same name and address, applied to new connections
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(20_000);
            assertThat(s.getInputStream().read()).isEqualTo(-1);
        }
    }

    @Test
    void inspectsRequestLinesAndThePreface() {
        assertThat(inspect("GET / HTTP/1.1\r\n")).isEqualTo("http/1.1");
        assertThat(inspect("OPTIONS * HTTP/1.0\n")).isEqualTo("http/1.0");
        assertThat(inspect("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")).isEqualTo("h2c");
        assertThat(inspect("PRI * HT")).isNull();
        assertThat(inspect("GET /path-without-end")).isNull();
        assertThat(inspect("GET / HTTP/2.0\r\n")).isEmpty();
        assertThat(inspect("EHLO example.com\r\n")).isEmpty();
        assertThat(inspect("\u0016\u0003\u0001")).isEmpty();
        assertThat(inspect("GET  / HTTP/1.1\r\n")).isEmpty();
    }

    private static String inspect(String bytes) {
        return HttpInspector.inspect(Unpooled.copiedBuffer(bytes, StandardCharsets.ISO_8859_1));
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b = in.read(); b >= 0 && b != '\n'; b = in.read()) {
            if (b != '\r') {
                line.write(b);
            }
        }
        return line.toString(StandardCharsets.US_ASCII);
    }
}
