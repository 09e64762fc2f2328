package dev.weft.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** VirtualService {@code tcp} routes: accepted when well formed, each mistake named by field. */
class TcpRouteValidationTest {
    @TempDir
    Path dir;

    private LoadResult load(String tcpRoutes) throws IOException {
        Files.writeString(dir.resolve("vs.yaml"), """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata:
                  name: db
                spec:
                  hosts:
                  - db.example.com
                  tcp:
                """ + tcpRoutes.stripIndent().indent(2));
        return ConfigLoader.load(dir);
    }

    private List<String> errors(String tcpRoutes) throws IOException {
        LoadResult result = load(tcpRoutes);
        assertThat(result.ok()).isFalse();
        return result.errors().stream().map(ConfigError::toString).toList();
    }

    @Test
    void acceptsWeightedTcpRouteByPort() throws IOException {
        LoadResult result = load("""
                - match:
                  - port: 5432
                  route:
                  - destination: {host: db.example.com, port: {number: 5432}}
                    weight: 80
                  - destination: {host: db-replica.example.com}
                    weight: 20
                """);
        assertThat(result.errors()).isEmpty();
        var tcp = result.config().virtualServices().getFirst().spec().tcp();
        assertThat(tcp).singleElement().satisfies(r -> {
            assertThat(r.match().getFirst().port()).isEqualTo(5432);
            assertThat(r.route()).hasSize(2);
        });
    }

    @Test
    void rejectsBadWeightsPortsMissingDestinationsAndUnknownFields() throws IOException {
        assertThat(errors("""
                - route:
                  - destination: {host: a}
                    weight: 60
                  - destination: {host: b}
                    weight: 30
                """)).singleElement().asString().contains("spec.tcp[0].route[1].weight").contains("must be 100");
        assertThat(errors("""
                - match:
                  - port: 70000
                  route:
                  - destination: {host: a}
                """)).singleElement().asString().contains("spec.tcp[0].match[0].port");
        assertThat(errors("""
                - route: []
                """)).singleElement().asString().contains("spec.tcp[0].route").contains("at least one destination");
        assertThat(errors("""
                - route:
                  - destination: {host: a}
                    headers: {request: {set: {x: y}}}
                """)).singleElement().asString().contains("headers");
    }
}
