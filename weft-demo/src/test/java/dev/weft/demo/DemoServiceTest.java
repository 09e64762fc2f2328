package dev.weft.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class DemoServiceTest {
    private static final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private static DemoService echo;

    @BeforeAll
    static void startEcho() throws Exception {
        echo = DemoService.start(new DemoServiceOptions("echo", "v7", 0, null));
    }

    @AfterAll
    static void stopEcho() {
        echo.close();
    }

    private static HttpResponse<String> get(int port, String path, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
        if (headers.length > 0) {
            request.headers(headers);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void echoNamesItselfAndEchoesTheRequest() throws Exception {
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + echo.port() + "/a/b?x=1"))
                .header("x-test", "hello").POST(HttpRequest.BodyPublishers.ofString("payload")).build(), HttpResponse.BodyHandlers.ofString());
        JsonNode body = Json.MAPPER.readTree(response.body());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(body.path("service").asText()).isEqualTo("echo");
        assertThat(body.path("version").asText()).isEqualTo("v7");
        assertThat(body.path("method").asText()).isEqualTo("POST");
        assertThat(body.path("path").asText()).isEqualTo("/a/b");
        assertThat(body.path("query").asText()).isEqualTo("x=1");
        assertThat(body.path("headers").path("x-test").asText()).isEqualTo("hello");
        assertThat(body.path("body").asText()).isEqualTo("payload");
        assertThat(body.path("bodyLength").asLong()).isEqualTo(7);
    }

    @Test
    void statusPathAnswersWithThatStatus() throws Exception {
        assertThat(get(echo.port(), "/status/503").statusCode()).isEqualTo(503);
        assertThat(get(echo.port(), "/status/204").statusCode()).isEqualTo(204);
        assertThat(get(echo.port(), "/status/abc").statusCode()).isEqualTo(400);
    }

    @Test
    void delayPathWaits() throws Exception {
        long start = System.nanoTime();
        assertThat(get(echo.port(), "/delay/200").statusCode()).isEqualTo(200);
        assertThat((System.nanoTime() - start) / 1_000_000).isGreaterThanOrEqualTo(200);
    }

    @Test
    void bytesPathStreamsThePattern() throws Exception {
        HttpResponse<byte[]> response = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + echo.port() + "/bytes/100000")).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(response.body()).hasSize(100_000);
        assertThat(response.body()[27]).isEqualTo((byte) 'b');
        assertThat(response.headers().firstValue("transfer-encoding")).hasValue("chunked");
    }

    @Test
    void productPageCallsPeersThroughTheProxyForwardingUserHeaders() throws Exception {
        // The echo service stands in for the sidecar's outbound listener: it sees the absolute-form request.
        try (DemoService page = DemoService.start(new DemoServiceOptions("productpage", "v1", 0,
                new InetSocketAddress("127.0.0.1", echo.port())))) {
            HttpResponse<String> response = get(page.port(), "/productpage", "end-user", "jason", "x-request-id", "req-1");
            JsonNode body = Json.MAPPER.readTree(response.body());
            assertThat(body.path("service").asText()).isEqualTo("productpage");
            JsonNode reviewsCall = body.path("reviews");
            assertThat(reviewsCall.path("path").asText()).isEqualTo("/reviews/0");
            assertThat(reviewsCall.path("headers").path("host").asText()).isEqualTo("reviews:9080");
            assertThat(reviewsCall.path("headers").path("end-user").asText()).isEqualTo("jason");
            assertThat(reviewsCall.path("headers").path("x-request-id").asText()).isEqualTo("req-1");
            assertThat(body.path("details").path("path").asText()).isEqualTo("/details/0");
        }
    }

    @Test
    void reviewsV1DoesNotCallRatingsButV2DoesOverGrpc() throws Exception {
        // without a sidecar, the "proxy" reviews dials is ratings' own gRPC port
        try (DemoService ratings = DemoService.start(new DemoServiceOptions("ratings", "v1", 0, null))) {
            InetSocketAddress proxy = new InetSocketAddress("127.0.0.1", ratings.port());
            try (DemoService v1 = DemoService.start(new DemoServiceOptions("reviews", "v1", 0, proxy));
                 DemoService v2 = DemoService.start(new DemoServiceOptions("reviews", "v2", 0, proxy))) {
                JsonNode one = Json.MAPPER.readTree(get(v1.port(), "/reviews/0").body());
                JsonNode two = Json.MAPPER.readTree(get(v2.port(), "/reviews/7", "end-user", "jason").body());
                assertThat(one.path("version").asText()).isEqualTo("v1");
                assertThat(one.has("ratings")).isFalse();
                assertThat(two.path("version").asText()).isEqualTo("v2");
                assertThat(two.path("ratings").path("service").asText()).isEqualTo("ratings");
                assertThat(two.path("ratings").path("id").asText()).isEqualTo("7");
                assertThat(two.path("ratings").path("ratings").path("Reviewer1").asInt()).isEqualTo(5);
                assertThat(two.path("stars").asText()).isEqualTo("black");
                assertThat(ratings.served()).isEqualTo(1);
            }
        }
    }

    @Test
    void reviewsReportsAFailedRatingsCallAsAGrpcStatus() throws Exception {
        int closedPort;
        try (var socket = new java.net.ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        InetSocketAddress nowhere = new InetSocketAddress("127.0.0.1", closedPort);
        try (DemoService v3 = DemoService.start(new DemoServiceOptions("reviews", "v3", 0, nowhere))) {
            JsonNode three = Json.MAPPER.readTree(get(v3.port(), "/reviews/0").body());
            assertThat(three.path("ratings").path("error").asText()).startsWith("gRPC UNAVAILABLE");
        }
    }

    @Test
    void parsesCommandLine() {
        DemoServiceOptions options = DemoService.parse(new String[]{"--service", "reviews", "--version", "v3", "--port", "9080", "--proxy", "127.0.0.1:15001"});
        assertThat(options.service()).isEqualTo("reviews");
        assertThat(options.port()).isEqualTo(9080);
        assertThat(options.proxy().getPort()).isEqualTo(15001);
    }
}
