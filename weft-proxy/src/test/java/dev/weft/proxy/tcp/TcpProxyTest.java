package dev.weft.proxy.tcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.weft.dataplane.cluster.DefaultClusterManager;
import dev.weft.dataplane.config.ClusterConfig;
import dev.weft.dataplane.config.ConfigSnapshot;
import dev.weft.dataplane.config.Endpoint;
import dev.weft.dataplane.config.EndpointSet;
import dev.weft.dataplane.config.ListenerConfig;
import dev.weft.dataplane.config.TcpProxyConfig;
import dev.weft.proxy.ProxyRuntime;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** tcp_proxy listeners through real sockets: a raw client, the proxy runtime and blocking JDK echo servers. */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class TcpProxyTest {
    private final List<EchoServer> servers = new ArrayList<>();
    private ProxyRuntime proxy;

    @BeforeEach
    void start() {
        proxy = new ProxyRuntime(new DefaultClusterManager());
    }

    @AfterEach
    void stop() throws IOException {
        // every proxied connection that started on a host ended on it
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            for (var cluster : proxy.clusters().all()) {
                for (var h : cluster.hosts()) {
                    assertThat(h.activeRequests()).as("open connections on %s", h).isZero();
                }
            }
        });
        proxy.close();
        for (EchoServer s : servers) {
            s.close();
        }
    }

    @Test
    void echoesLargePayloadBothWaysWithBackpressure() throws Exception {
        EchoServer echo = echo(null);
        int port = apply(Duration.ofMinutes(1), Map.of("echo", 1), cluster("echo", echo.port()));
        byte[] payload = new byte[8 * 1024 * 1024];
        new Random(42).nextBytes(payload);
        try (Socket s = connect(port)) {
            // write and read concurrently: the echo only flows on if the proxy relays both ways without deadlock
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                try {
                    OutputStream out = s.getOutputStream();
                    for (int off = 0; off < payload.length; off += 64 * 1024) {
                        out.write(payload, off, 64 * 1024);
                    }
                    s.shutdownOutput();
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            byte[] echoed = s.getInputStream().readAllBytes();
            writer.get(30, TimeUnit.SECONDS);
            assertThat(echoed.length).isEqualTo(payload.length + EchoServer.EOF_TRAILER.length);
            assertThat(Arrays.equals(echoed, 0, payload.length, payload, 0, payload.length)).isTrue();
        }
    }

    @Test
    void halfCloseReachesTheServerAndItsLastBytesStillArrive() throws Exception {
        EchoServer echo = echo(null);
        int port = apply(Duration.ofMinutes(1), Map.of("echo", 1), cluster("echo", echo.port()));
        try (Socket s = connect(port)) {
            s.getOutputStream().write("hello".getBytes(StandardCharsets.US_ASCII));
            s.shutdownOutput(); // FIN: the server sees EOF, then answers with its trailer and closes
            String got = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertThat(got).isEqualTo("hello" + new String(EchoServer.EOF_TRAILER, StandardCharsets.US_ASCII));
        }
        // plaintext (no metadata exchange): the connection is reported at close with exact bytes, peer unknown
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            StringBuilder out = new StringBuilder();
            proxy.telemetry().tcp().writePrometheus(out);
            assertThat(out.toString())
                    .contains("istio_tcp_received_bytes_total{reporter=\"source\",source_workload=\"unknown\"")
                    .containsPattern("istio_tcp_received_bytes_total\\{[^}]*destination_service=\"echo\"[^}]*} 5\n")
                    .containsPattern("istio_tcp_sent_bytes_total\\{[^}]*} " + (5 + EchoServer.EOF_TRAILER.length) + "\n")
                    .containsPattern("istio_tcp_connections_opened_total\\{[^}]*} 1\n")
                    .containsPattern("istio_tcp_connections_closed_total\\{[^}]*} 1\n");
        });
    }

    @Test
    void connectFailureClosesTheClient() throws Exception {
        int deadPort;
        try (ServerSocket ss = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            deadPort = ss.getLocalPort(); // closed again: nothing listens there
        }
        int port = apply(Duration.ofMinutes(1), Map.of("dead", 1), cluster("dead", deadPort));
        try (Socket s = connect(port)) {
            assertThat(readToEofOrReset(s.getInputStream())).isEmpty();
        }
    }

    @Test
    void idleConnectionIsClosedAfterTheIdleTimeout() throws Exception {
        EchoServer echo = echo(null);
        int port = apply(Duration.ofMillis(300), Map.of("echo", 1), cluster("echo", echo.port()));
        try (Socket s = connect(port)) {
            s.getOutputStream().write("x".getBytes(StandardCharsets.US_ASCII));
            assertThat(s.getInputStream().read()).isEqualTo('x');
            long start = System.nanoTime();
            assertThat(readToEofOrReset(s.getInputStream())).isEmpty(); // nothing more, then closed
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        }
    }

    @Test
    void weightedClustersSplitConnectionsByWeight() throws Exception {
        EchoServer a = echo("a");
        EchoServer b = echo("b");
        int port = apply(Duration.ofMinutes(1), Map.of("a", 3, "b", 1), cluster("a", a.port()),
                cluster("b", b.port()));
        int toA = 0;
        int n = 400;
        for (int i = 0; i < n; i++) {
            try (Socket s = connect(port)) {
                int first = s.getInputStream().read(); // the greeting names the server
                if (first == 'a') {
                    toA++;
                } else {
                    assertThat(first).isEqualTo('b');
                }
            }
        }
        assertThat(toA / (double) n).isCloseTo(0.75, within(0.08));
    }

    private EchoServer echo(String greeting) throws IOException {
        EchoServer s = new EchoServer(greeting);
        servers.add(s);
        return s;
    }

    private static ClusterConfig cluster(String name, int port) {
        return new ClusterConfig(name, ClusterConfig.DiscoveryType.STATIC, null, new EndpointSet(name,
                List.of(new Endpoint("127.0.0.1", port, 1, true, false, Map.of()))),
                ClusterConfig.LbPolicy.ROUND_ROBIN, 0, Duration.ofSeconds(2));
    }

    private int apply(Duration idle, Map<String, Integer> weights, ClusterConfig... clusters) {
        List<TcpProxyConfig.WeightedCluster> targets = weights.entrySet().stream()
                .map(e -> new TcpProxyConfig.WeightedCluster(e.getKey(), e.getValue())).toList();
        ListenerConfig listener = ListenerConfig.tcp("upstream_tcp", "127.0.0.1", 0,
                new TcpProxyConfig("upstream_tcp", targets, idle), null);
        Map<String, ClusterConfig> byName = new HashMap<>();
        for (ClusterConfig c : clusters) {
            byName.put(c.name(), c);
        }
        proxy.apply(new ConfigSnapshot(Map.of(), Map.of(listener.name(), listener), Map.of(), byName, Map.of()));
        return proxy.listenerPort(listener.name());
    }

    private static Socket connect(int port) throws IOException {
        Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
        s.setSoTimeout(20_000);
        return s;
    }

    /** Bytes until EOF; a reset counts as the end too (a closed proxied connection may surface as either). */
    private static byte[] readToEofOrReset(InputStream in) throws IOException {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        try {
            in.transferTo(got);
        } catch (SocketException reset) {
            // closed with unread data: still closed
        }
        return got.toByteArray();
    }

    /**
     * Echoes each connection's bytes until EOF, then writes {@link #EOF_TRAILER} and closes — so a client sees that
     * its FIN reached the server and that bytes written after it still come back. With a greeting, writes it first.
     */
    static final class EchoServer implements AutoCloseable {
        static final byte[] EOF_TRAILER = "<eof>".getBytes(StandardCharsets.US_ASCII);
        private final ServerSocket socket;
        private final Thread acceptor;

        EchoServer(String greeting) throws IOException {
            socket = new ServerSocket(0, 512, InetAddress.getLoopbackAddress());
            acceptor = Thread.ofVirtual().start(() -> {
                while (!socket.isClosed()) {
                    try {
                        Socket c = socket.accept();
                        Thread.ofVirtual().start(() -> serve(c, greeting));
                    } catch (IOException closed) {
                        return;
                    }
                }
            });
        }

        private static void serve(Socket c, String greeting) {
            try (c) {
                OutputStream out = c.getOutputStream();
                if (greeting != null) {
                    out.write(greeting.getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                }
                c.getInputStream().transferTo(out);
                out.write(EOF_TRAILER);
                c.shutdownOutput();
            } catch (IOException ignored) {
                // the client went away
            }
        }

        int port() {
            return socket.getLocalPort();
        }

        @Override
        public void close() throws IOException {
            socket.close();
            acceptor.interrupt();
        }
    }
}
