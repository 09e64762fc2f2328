package dev.weft.cli.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Loads the product page the way a browser would, and reads which reviews version answered. */
final class ProductPageClient {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2))
            .build();
    private final URI page;

    ProductPageClient(int port) {
        this.page = URI.create("http://127.0.0.1:" + port + "/productpage");
    }

    PageResult load(String user) {
        HttpRequest.Builder request = HttpRequest.newBuilder(page).timeout(Duration.ofSeconds(10));
        if (user != null) {
            request.header("end-user", user);
        }
        try {
            HttpResponse<String> response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                return new PageResult(null, "productpage answered " + response.statusCode());
            }
            JsonNode reviews = MAPPER.readTree(response.body()).path("reviews");
            if (reviews.has("error")) {
                return new PageResult(null, "reviews: " + reviews.path("error").asText() + " " + reviews.path("flags").asText());
            }
            if (!reviews.path("version").asText().equals("v1") && reviews.path("ratings").has("error")) {
                return new PageResult(null, "ratings (from reviews " + reviews.path("version").asText() + "): "
                        + reviews.path("ratings").path("error").asText());
            }
            return new PageResult(reviews.path("version").asText(), null);
        } catch (IOException e) {
            return new PageResult(null, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new PageResult(null, "interrupted");
        }
    }
}
