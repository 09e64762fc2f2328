package dev.weft.cli.launch;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;

/**
 * Gives a launched sidecar a workload identity: mints a join token on the control plane's HTTP API (what
 * {@code weft token create} does), stores it 0600 beside the sidecar's data, and returns the proxy flags that use it.
 */
public final class JoinTokens {
    private JoinTokens() {}

    public static List<String> identityArgs(ControlPlaneProcess controlPlane, Path dir, String name, String namespace,
                                            String serviceAccount) {
        String url = controlPlane.url("/v1/tokens?namespace=" + enc(namespace) + "&serviceAccount=" + enc(serviceAccount)
                + "&ttl=1h");
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()) {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url))
                    .POST(HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IOException("the control plane refused a join token for " + namespace + "/" + serviceAccount
                        + " (" + response.statusCode() + "): " + response.body().strip());
            }
            Files.createDirectories(dir);
            Path file = dir.resolve(name + ".token");
            Files.deleteIfExists(file);
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(file, response.body());
            return List.of("--service-account", serviceAccount, "--token-file", file.toString(),
                    "--ca-url", "http://127.0.0.1:" + controlPlane.httpPort());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while minting a join token", e);
        }
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
