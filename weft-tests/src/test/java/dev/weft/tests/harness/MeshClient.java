package dev.weft.tests.harness;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * An application's HTTP client whose outbound traffic goes through its sidecar, the way {@code http_proxy} makes
 * curl or a Java client do it: absolute-form requests to the sidecar's outbound listener.
 */
public final class MeshClient {
    /**
     * How long one request may take before the client gives up. Generous: the first request through cold sidecars (new
     * connections, TLS handshakes, classes loading in two JVMs) took over 5 s on a machine at load 48. Tests that need
     * a request to end sooner say so with a route timeout, which is what they check.
     */
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(20);
    private final HttpClient client;
    private final Duration requestTimeout;

    public MeshClient(int outboundPort) {
        this(HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .proxy(ProxySelector.of(new InetSocketAddress("127.0.0.1", outboundPort)))
                .connectTimeout(Duration.ofSeconds(2))
                .build(), REQUEST_TIMEOUT);
    }

    private MeshClient(HttpClient client, Duration requestTimeout) {
        this.client = client;
        this.requestTimeout = requestTimeout;
    }

    /** The same client waiting up to {@code timeout} per request (for a request a test holds open on purpose). */
    public MeshClient withRequestTimeout(Duration timeout) {
        return new MeshClient(client, timeout);
    }

    /** GET {@code http://<authority><path>}, headers as name/value pairs. Throws on transport errors. */
    public Reply get(String authority, String path, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://" + authority + path))
                .timeout(requestTimeout);
        if (headers.length > 0) {
            request.headers(headers);
        }
        HttpResponse<String> response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
        return new Reply(response.statusCode(), response.headers(), response.body());
    }

    /** POST {@code body} to {@code http://<authority><path>}. Throws on transport errors. */
    public Reply post(String authority, String path, String body, String... headers)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://" + authority + path))
                .timeout(requestTimeout).POST(HttpRequest.BodyPublishers.ofString(body));
        if (headers.length > 0) {
            request.headers(headers);
        }
        HttpResponse<String> response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
        return new Reply(response.statusCode(), response.headers(), response.body());
    }

    /** Like {@link #get} but a transport failure becomes a reply with status -1, for counting failures under load. */
    public Reply tryGet(String authority, String path, String... headers) {
        try {
            return get(authority, path, headers);
        } catch (IOException e) {
            return new Reply(-1, java.net.http.HttpHeaders.of(java.util.Map.of(), (a, b) -> true), e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Reply(-1, java.net.http.HttpHeaders.of(java.util.Map.of(), (a, b) -> true), "interrupted");
        }
    }
}
