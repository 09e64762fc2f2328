package dev.weft.proxy.authz;

import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The ext_authz HTTP client against real sockets: timeout, refused connection, and a kept connection closed meanwhile. */
class ExtAuthzHttpClientTest {
    private static MultiThreadIoEventLoopGroup group;

    @BeforeAll
    static void start() {
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    }

    @AfterAll
    static void stop() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    private static ExtAuthzHttpClient.Answer check(int port, long timeoutMillis) throws Exception {
        EventLoop loop = group.next();
        CompletableFuture<ExtAuthzHttpClient.Answer> answer = new CompletableFuture<>();
        loop.execute(() -> {
            FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/check/x",
                    Unpooled.EMPTY_BUFFER);
            request.headers().set("host", "orders").setInt("content-length", 0);
            ExtAuthzHttpClient.check(loop, new NioSocketChannel(), "127.0.0.1", port, request, timeoutMillis, a -> {
                assertThat(loop.inEventLoop()).as("answered on the request's loop").isTrue();
                answer.complete(a);
            });
        });
        return answer.get(30, TimeUnit.SECONDS);
    }

    @Test
    void anAuthorizerThatNeverAnswersTimesOut() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            ExtAuthzHttpClient.Answer a = check(silent.getLocalPort(), 300);
            assertThat(a.response()).isNull();
            assertThat(a.error()).contains("timeout after 300 ms");
        }
    }

    @Test
    void aRefusedConnectionIsAnError() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        ExtAuthzHttpClient.Answer a = check(port, 5_000);
        assertThat(a.error()).contains("cannot connect to 127.0.0.1:" + port);
    }

    @Test
    void aKeptConnectionTheAuthorizerClosedIsReplacedByANewOne() throws Exception {
        AtomicInteger connections = new AtomicInteger();
        try (ServerSocket server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            Thread t = Thread.ofVirtual().start(() -> {
                // answers one check per connection with keep-alive, then closes it: the client's kept one goes stale
                while (!server.isClosed()) {
                    try (Socket s = server.accept()) {
                        connections.incrementAndGet();
                        InputStream in = s.getInputStream();
                        byte[] buf = new byte[4096];
                        int n = in.read(buf);
                        if (n > 0) {
                            OutputStream out = s.getOutputStream();
                            out.write("HTTP/1.1 200 OK\r\ncontent-length: 0\r\nx-authz-user: alice\r\n\r\n"
                                    .getBytes(StandardCharsets.US_ASCII));
                            out.flush();
                        }
                    } catch (Exception e) {
                        return;
                    }
                }
            });
            ExtAuthzHttpClient.Answer first = check(server.getLocalPort(), 5_000);
            assertThat(first.response().status().code()).isEqualTo(200);
            first.response().release();
            Thread.sleep(200); // the server has closed the kept connection by now
            ExtAuthzHttpClient.Answer second = check(server.getLocalPort(), 5_000);
            assertThat(second.error()).isNull();
            assertThat(second.response().headers().get("x-authz-user")).isEqualTo("alice");
            second.response().release();
            assertThat(connections.get()).isEqualTo(2);
            server.close();
            t.join(2_000);
        }
    }
}
