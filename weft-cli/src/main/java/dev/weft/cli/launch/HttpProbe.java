package dev.weft.cli.launch;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Waits for a child process to be ready, failing fast with its log when it dies first. */
public final class HttpProbe {
    private static final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofMillis(500))
            .build();

    private HttpProbe() {
    }

    /** Polls {@code url} until it answers 200; throws naming the child and its log tail on death or timeout. */
    public static void awaitHttp200(ChildProcess owner, String url, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            if (owner != null && !owner.isAlive()) {
                throw new IllegalStateException(owner.name() + " exited with code " + owner.process().exitValue()
                        + " before " + url + " was ready; last log lines:\n" + owner.tail(30));
            }
            try {
                HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create(url))
                        .timeout(Duration.ofSeconds(1)).build(), HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200) {
                    return;
                }
                last = "HTTP " + response.statusCode() + " " + response.body().strip();
            } catch (IOException e) {
                last = e.toString();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for " + url, e);
            }
            sleep(100);
        }
        throw new IllegalStateException((owner == null ? "" : owner.name() + ": ") + url + " not ready after "
                + timeout.toSeconds() + " s (" + last + ")" + (owner == null ? "" : "; last log lines:\n" + owner.tail(30)));
    }

    /** Polls until something accepts TCP connections on 127.0.0.1:{@code port}. */
    public static void awaitPort(ChildProcess owner, int port, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (owner != null && !owner.isAlive()) {
                throw new IllegalStateException(owner.name() + " exited with code " + owner.process().exitValue()
                        + " before port " + port + " was open; last log lines:\n" + owner.tail(30));
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException notYet) {
                sleep(100);
            }
        }
        throw new IllegalStateException((owner == null ? "" : owner.name() + ": ") + "port " + port + " not open after "
                + timeout.toSeconds() + " s" + (owner == null ? "" : "; last log lines:\n" + owner.tail(30)));
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
