package dev.weft.proxy.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

class CertificateSigningClientTest {
    @Test
    void readsTheCasStringMembersSkippingTheRest() throws Exception {
        String answer = "{\"spiffeId\":\"spiffe://cluster.local/ns/default/sa/a\",\"expires\":123,"
                + "\"extra\":{\"certificateChain\":\"nested\"},\"certificateChain\":\"-----BEGIN\\nA\\u0042\\/\\\"\\n\"}";
        assertThat(CertificateSigningClient.topLevelStrings(answer))
                .containsEntry("spiffeId", "spiffe://cluster.local/ns/default/sa/a")
                .containsEntry("certificateChain", "-----BEGIN\nAB/\"\n")
                .doesNotContainKeys("expires", "extra");
    }

    @Test
    void anAnswerThatIsNotAnObjectIsAnError() {
        assertThatThrownBy(() -> CertificateSigningClient.topLevelStrings("[\"x\"]"))
                .isInstanceOf(CertificateRequestException.class).hasMessageContaining("not a JSON object");
    }

    @Test
    void postsTheCsrWithItsCredentialAndReportsARefusalWithTheCasReason() throws Exception {
        Map<String, String> seen = new ConcurrentHashMap<>();
        HttpServer ca = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        ca.createContext("/v1/certificates", exchange -> {
            seen.put("method", exchange.getRequestMethod());
            seen.put("authorization", exchange.getRequestHeaders().getFirst("Authorization"));
            seen.put("type", exchange.getRequestHeaders().getFirst("Content-Type"));
            seen.put("body", new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.US_ASCII));
            byte[] reason = "join token expired\n".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(401, reason.length);
            exchange.getResponseBody().write(reason);
            exchange.close();
        });
        ca.start();
        try {
            URI url = URI.create("http://127.0.0.1:" + ca.getAddress().getPort() + "/");
            assertThatThrownBy(() -> new CertificateSigningClient(url).bootstrap(" tok3n\n"))
                    .isInstanceOf(CertificateRequestException.class)
                    .hasMessageContaining("refused the certificate request (401): join token expired");
            assertThat(seen).containsEntry("method", "POST").containsEntry("authorization", "Bearer tok3n")
                    .containsEntry("type", "application/pkcs10");
            assertThat(seen.get("body")).startsWith("-----BEGIN CERTIFICATE REQUEST-----");
        } finally {
            ca.stop(0);
        }
    }

    @Test
    void aCaThatIsNotThereIsAnErrorNamingIt() {
        assertThatThrownBy(() -> new CertificateSigningClient(URI.create("http://127.0.0.1:1")).bootstrap("t"))
                .isInstanceOf(CertificateRequestException.class)
                .hasMessageContaining("cannot reach the CA at http://127.0.0.1:1/v1/certificates");
    }
}
