package dev.weft.tests.harness;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpHeaders;

/** One HTTP answer seen by a test client; {@link #version()} says which echo workload served it. */
public record Reply(int status, HttpHeaders headers, String body) {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    public JsonNode json() {
        try {
            return MAPPER.readTree(body);
        } catch (Exception e) {
            throw new AssertionError("not JSON (status " + status + "): " + body, e);
        }
    }

    /** The serving echo app's version, or "" when the body is not an echo answer. */
    public String version() {
        if (status != 200) {
            return "";
        }
        try {
            return MAPPER.readTree(body).path("version").asText();
        } catch (Exception e) {
            return "";
        }
    }

    public String header(String name) {
        return headers.firstValue(name).orElse(null);
    }

    @Override
    public String toString() {
        return "HTTP " + status + " " + headers.map() + " " + body.strip();
    }
}
