package dev.weft.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.weft.cli.launch.FreePorts;
import dev.weft.tests.harness.Mesh;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * WebSocket through two sidecars with peers nobody here wrote: the JDK's {@code java.net.http.WebSocket} client →
 * client sidecar ({@code --upstream}, an HTTP listener whose connection manager allows {@code websocket} upgrades) →
 * a dedicated HTTP/1.1 connection (the sidecar hop is otherwise HTTP/2) → server sidecar → Netty's
 * {@code WebSocketServerProtocolHandler} echoing frames. Once in plaintext and once to a server under STRICT mTLS.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WebSocketThroughSidecarsTest {
    private Mesh mesh;
    private EventLoopGroup group;
    private final List<Channel> servers = new java.util.ArrayList<>();
    private int plainPort;
    private int securePort;
    private int limitedPort;
    private dev.weft.tests.harness.Workload client;

    @BeforeAll
    void startMesh() throws IOException {
        mesh = Mesh.create("websocket");
        mesh.writeConfig("ws.yaml", """
                apiVersion: security.istio.io/v1
                kind: PeerAuthentication
                metadata:
                  name: wssecure-strict
                  namespace: default
                spec:
                  selector:
                    matchLabels:
                      app: wssecure
                  mtls:
                    mode: STRICT
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata:
                  name: wsplain
                  namespace: default
                spec:
                  hosts: [wsplain]
                  http:
                  - timeout: 1s
                    route:
                    - destination:
                        host: wsplain
                ---
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata:
                  name: wslimited
                  namespace: default
                spec:
                  host: wslimited
                  trafficPolicy:
                    connectionPool:
                      tcp: {maxConnections: 1}
                      http: {http1MaxPendingRequests: 1}
                """);
        mesh.startControlPlane();
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        mesh.addTestAppWorkload("wsplain", "wsplain", "v1", 9000, List.of(), this::startEchoServer);
        String caUrl = "http://127.0.0.1:" + mesh.controlPlane().httpPort();
        Path serverToken = mesh.mintToken("wssecure", "default", "wssecure");
        mesh.addTestAppWorkload("wssecure", "wssecure", "v1", 9001, List.of("--service-account", "wssecure",
                "--token-file", serverToken.toString(), "--ca-url", caUrl), this::startEchoServer);
        mesh.addTestAppWorkload("wslimited", "wslimited", "v1", 9002, List.of(), this::startEchoServer);
        plainPort = FreePorts.next();
        securePort = FreePorts.next();
        limitedPort = FreePorts.next();
        Path clientToken = mesh.mintToken("wsclient", "default", "wsclient");
        client = mesh.addTestAppWorkload("wsclient", "wsclient", "v1", 8080, List.of(
                "--upstream", "wsplain=" + plainPort, "--upstream", "wssecure=" + securePort,
                "--upstream", "wslimited=" + limitedPort,
                "--service-account", "wsclient", "--token-file", clientToken.toString(), "--ca-url", caUrl),
                port -> {});
        mesh.awaitReady();
    }

    /** Netty's WebSocket server: frames on /echo are echoed; any other request gets a plain 426. */
    private void startEchoServer(int port) {
        Channel server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(64 * 1024),
                                new WebSocketServerProtocolHandler(WebSocketServerProtocolConfig.newBuilder()
                                        .websocketPath("/echo").maxFramePayloadLength(4 << 20).build()),
                                new SimpleChannelInboundHandler<Object>() {
                                    @Override
                                    protected void channelRead0(ChannelHandlerContext ctx, Object msg) {
                                        if (msg instanceof WebSocketFrame frame) {
                                            ctx.writeAndFlush(frame.retain());
                                        } else if (msg instanceof FullHttpRequest) {
                                            byte[] body = "no upgrade here\n".getBytes(StandardCharsets.US_ASCII);
                                            var response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                                                    HttpResponseStatus.UPGRADE_REQUIRED, Unpooled.wrappedBuffer(body));
                                            response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
                                            ctx.writeAndFlush(response);
                                        }
                                    }
                                });
                    }
                })
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port)).syncUninterruptibly().channel();
        servers.add(server);
    }

    @AfterAll
    void stopMesh() {
        if (mesh != null) {
            mesh.close();
        }
        servers.forEach(Channel::close);
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    @Test
    void echoesTextBinaryAndLargeMessagesThenClosesCleanly() throws Exception {
        // plaintext hop; the route's 1 s timeout must not end the upgraded connection
        echoSession(plainPort, Duration.ofMillis(1500));
    }

    @Test
    void echoesUnderStrictMutualTls() throws Exception {
        echoSession(securePort, Duration.ZERO);
        // the STRICT server sidecar saw the upgrade as an mTLS request from the client's identity
        await().atMost(Duration.ofSeconds(20)).until(() -> Mesh.plainGet(mesh.workload("wssecure").sidecar()
                .adminUrl("/stats/prometheus")).body().lines().anyMatch(l -> l.startsWith("istio_requests_total")
                && l.contains("response_code=\"101\"") && l.contains("connection_security_policy=\"mutual_tls\"")));
    }

    private void echoSession(int port, Duration pauseBeforeFirstMessage) throws Exception {
        Frames frames = new Frames();
        HttpClient http = HttpClient.newHttpClient();
        WebSocket ws = await().atMost(Mesh.STARTUP).pollInterval(Duration.ofMillis(300)).ignoreExceptions()
                .until(() -> http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5))
                        .buildAsync(URI.create("ws://127.0.0.1:" + port + "/echo"), frames)
                        .get(10, TimeUnit.SECONDS), w -> w != null);
        Thread.sleep(pauseBeforeFirstMessage.toMillis());
        ws.sendText("hello through the mesh", true).get(10, TimeUnit.SECONDS);
        assertThat(frames.next()).isEqualTo("hello through the mesh");

        byte[] small = {0, 1, 2, (byte) 0xff, 42};
        ws.sendBinary(ByteBuffer.wrap(small), true).get(10, TimeUnit.SECONDS);
        assertThat(frames.next()).isEqualTo(small);

        byte[] big = new byte[1024 * 1024];
        new Random(3).nextBytes(big);
        ws.sendBinary(ByteBuffer.wrap(big), true).get(20, TimeUnit.SECONDS);
        assertThat((byte[]) frames.next()).isEqualTo(big);

        ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(10, TimeUnit.SECONDS);
        assertThat(frames.closed.get(20, TimeUnit.SECONDS)).isEqualTo(WebSocket.NORMAL_CLOSURE);
        // the upgrade is an ordinary request for telemetry: counted with its 101 once the connection is gone
        await().atMost(Duration.ofSeconds(20)).until(() -> Mesh.plainGet(client.sidecar()
                .adminUrl("/stats/prometheus")).body().lines().anyMatch(l -> l.startsWith("istio_requests_total")
                && l.contains("response_code=\"101\"")));
    }

    @Test
    void anOpenWebSocketHoldsAMaxConnectionsSlotUntilItCloses() throws Exception {
        // wslimited: maxConnections 1, one pending request; nothing else has opened a connection to it yet
        Frames frames = new Frames();
        HttpClient http = HttpClient.newHttpClient();
        WebSocket ws = await().atMost(Mesh.STARTUP).pollInterval(Duration.ofMillis(300)).ignoreExceptions()
                .until(() -> http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5))
                        .buildAsync(URI.create("ws://127.0.0.1:" + limitedPort + "/echo"), frames)
                        .get(10, TimeUnit.SECONDS), w -> w != null);
        ws.sendText("holding the slot", true).get(10, TimeUnit.SECONDS);
        assertThat(frames.next()).isEqualTo("holding the slot");
        String cluster = "outbound|9002||wslimited.default.svc.cluster.local";
        try (var pool = java.util.concurrent.Executors.newSingleThreadExecutor();
             Socket queuedSocket = new Socket(InetAddress.getLoopbackAddress(), limitedPort);
             Socket refusedSocket = new Socket(InetAddress.getLoopbackAddress(), limitedPort)) {
            queuedSocket.setSoTimeout(30_000);
            refusedSocket.setSoTimeout(30_000);
            var queued = pool.submit(() -> exchange(queuedSocket, queuedSocket.getInputStream(),
                    "GET /queued HTTP/1.1\r\nHost: wslimited\r\n\r\n"));
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50))
                    .until(() -> pendingActive(cluster) == 1);
            String[] refused = exchange(refusedSocket, refusedSocket.getInputStream(),
                    "GET /refused HTTP/1.1\r\nHost: wslimited\r\n\r\n");
            assertThat(refused[0]).as("while the WebSocket holds the only connection and one request waits")
                    .startsWith("HTTP/1.1 503").containsIgnoringCase("x-weft-response-flags: UO");
            assertThat(queued.isDone()).as("the queued request still waits").isFalse();

            ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(10, TimeUnit.SECONDS);
            assertThat(frames.closed.get(20, TimeUnit.SECONDS)).isEqualTo(WebSocket.NORMAL_CLOSURE);
            // the WebSocket's connection closed: its slot goes to the waiting request, which reaches the app
            assertThat(queued.get(30, TimeUnit.SECONDS)[0]).startsWith("HTTP/1.1 426");
        }
        assertThat(dev.weft.tests.harness.RawHttp.get(limitedPort, "/after", "wslimited").status()).isEqualTo(426);
        assertThat(pendingActive(cluster)).isZero();
    }

    private long pendingActive(String clusterName) throws IOException, InterruptedException {
        for (var c : Mesh.plainGet(client.sidecar().adminUrl("/clusters")).json()) {
            if (c.path("name").asText().equals(clusterName)) {
                return c.path("connectionPool").path("upstream_rq_pending_active").asLong(-1);
            }
        }
        return -1;
    }

    @Test
    void aNonSwitchingAnswerIsAnOrdinaryResponseAndTheConnectionGoesOn() throws Exception {
        // the client's listener knows wsplain once its sidecar registered it
        await().atMost(Mesh.STARTUP).pollInterval(Duration.ofMillis(300)).ignoreExceptions()
                .until(() -> dev.weft.tests.harness.RawHttp.get(plainPort, "/plain", "wsplain").status() == 426);
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), plainPort)) {
            s.setSoTimeout(20_000);
            InputStream in = s.getInputStream();
            String upgrade = "GET /not-a-socket HTTP/1.1\r\nHost: wsplain\r\nConnection: Upgrade\r\n"
                    + "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n";
            String[] first = exchange(s, in, upgrade);
            assertThat(first[0]).startsWith("HTTP/1.1 426");
            assertThat(first[1]).isEqualTo("no upgrade here\n");
            // the same downstream connection carries the next request
            String[] second = exchange(s, in, "GET /again HTTP/1.1\r\nHost: wsplain\r\n\r\n");
            assertThat(second[0]).startsWith("HTTP/1.1 426");
        }
    }

    @Test
    void anUpgradeTheListenerDoesNotAllowIsRefusedWith403() throws Exception {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), plainPort)) {
            s.setSoTimeout(20_000);
            s.getOutputStream().write(("GET /echo HTTP/1.1\r\nHost: wsplain\r\nConnection: Upgrade\r\n"
                    + "Upgrade: not-websocket\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            String all = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertThat(all).startsWith("HTTP/1.1 403");
            assertThat(all.toLowerCase()).contains("connection: close");
        }
    }

    /** Sends one request and reads one Content-Length framed response: {status line + headers, body}. */
    private static String[] exchange(Socket s, InputStream in, String request) throws IOException {
        s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed after " + head);
            }
            head.write(b);
        }
        String headText = head.toString(StandardCharsets.US_ASCII);
        int length = headText.lines().filter(l -> l.toLowerCase().startsWith("content-length:"))
                .map(l -> Integer.parseInt(l.substring(15).trim())).findFirst().orElse(0);
        String body = new String(in.readNBytes(length), StandardCharsets.US_ASCII);
        return new String[]{headText, body};
    }

    /** Collects whole messages (the client may deliver a large one in parts). */
    private static final class Frames implements WebSocket.Listener {
        private final LinkedBlockingQueue<Object> messages = new LinkedBlockingQueue<>();
        private final StringBuilder text = new StringBuilder();
        private final ByteArrayOutputStream binary = new ByteArrayOutputStream();
        final CompletableFuture<Integer> closed = new CompletableFuture<>();

        Object next() throws InterruptedException {
            Object m = messages.poll(20, TimeUnit.SECONDS);
            assertThat(m).as("an echoed message").isNotNull();
            return m;
        }

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                messages.add(text.toString());
                text.setLength(0);
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
            byte[] part = new byte[data.remaining()];
            data.get(part);
            binary.writeBytes(part);
            if (last) {
                messages.add(binary.toByteArray());
                binary.reset();
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
            closed.complete(statusCode);
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            closed.completeExceptionally(error);
        }
    }
}
