package dev.weft.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.weft.controlplane.ControlPlane;
import dev.weft.controlplane.ControlPlaneOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The in-process client against the real control plane on a real port: routes, weights, subsets, live changes. */
class WeftClientTest {
    private static final String SERVICE = """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata:
              name: greeter
            spec:
              hosts:
              - greeter.default.svc.cluster.local
              ports:
              - number: 9080
                name: http
                protocol: HTTP
              location: MESH_INTERNAL
              resolution: STATIC
              workloadSelector:
                labels:
                  app: greeter
            ---
            apiVersion: networking.istio.io/v1
            kind: WorkloadEntry
            metadata:
              name: greeter-v1
            spec:
              address: 10.0.0.1
              ports:
                http: 10001
              labels:
                app: greeter
                version: v1
            ---
            apiVersion: networking.istio.io/v1
            kind: WorkloadEntry
            metadata:
              name: greeter-v2
            spec:
              address: 10.0.0.2
              ports:
                http: 10002
              labels:
                app: greeter
                version: v2
            ---
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata:
              name: greeter
            spec:
              host: greeter
              subsets:
              - name: v1
                labels:
                  version: v1
              - name: v2
                labels:
                  version: v2
            """;
    private static final String SPLIT = """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata:
              name: greeter
            spec:
              hosts:
              - greeter
              http:
              - name: jason
                match:
                - headers:
                    end-user:
                      exact: jason
                route:
                - destination:
                    host: greeter
                    subset: v2
              - name: split
                route:
                - destination:
                    host: greeter
                    subset: v1
                  weight: 80
                - destination:
                    host: greeter
                    subset: v2
                  weight: 20
            """;
    private static final String ALL_V2 = """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata:
              name: greeter
            spec:
              hosts:
              - greeter
              http:
              - name: all-v2
                route:
                - destination:
                    host: greeter
                    subset: v2
            """;

    @TempDir
    Path configDir;
    private ControlPlane controlPlane;
    private WeftClient client;

    @BeforeEach
    void start() throws Exception {
        write("greeter.yaml", SERVICE);
        write("routes.yaml", SPLIT);
        controlPlane = ControlPlane.start(new ControlPlaneOptions(configDir, 0, 0, "127.0.0.1",
                configDir.resolve("data"), Duration.ofMillis(50), Duration.ofSeconds(5)));
        client = WeftClient.start(new WeftClient.Options("127.0.0.1:" + controlPlane.xdsPort(), "caller", "default",
                Map.of("app", "caller")));
        assertThat(client.awaitReady(Duration.ofSeconds(60))).isTrue();
    }

    @AfterEach
    void stop() {
        if (client != null) {
            client.close();
        }
        if (controlPlane != null) {
            controlPlane.close();
        }
    }

    private void write(String name, String yaml) throws Exception {
        Path temp = configDir.resolve("." + name + ".tmp");
        Files.writeString(temp, yaml);
        Files.move(temp, configDir.resolve(name), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private Map<Integer, Integer> spread(String authority, Map<String, String> headers, int requests) {
        Map<Integer, Integer> byPort = new TreeMap<>();
        for (int i = 0; i < requests; i++) {
            WeftClient.Destination d = client.route(authority, "/hello", headers);
            byPort.merge(d == null ? 0 : d.port(), 1, Integer::sum);
        }
        return byPort;
    }

    @Test
    void routesLikeASidecarAndFollowsChanges() throws Exception {
        await().atMost(Duration.ofSeconds(30)).until(() -> client.route("greeter:9080", "/", Map.of()) != null);
        WeftClient.Destination d = client.route("greeter.default.svc.cluster.local:9080", "/", Map.of());
        assertThat(d.route()).isEqualTo("split");
        assertThat(d.cluster()).startsWith("outbound|9080|v").endsWith("|greeter.default.svc.cluster.local");

        int requests = 4000;
        Map<Integer, Integer> byPort = spread("greeter:9080", Map.of(), requests);
        assertThat(byPort).containsOnlyKeys(10001, 10002);
        // binomial: sd = sqrt(0.2 * 0.8 / 4000) = 0.6%; 20% +- 3% is 5 sd
        assertThat(byPort.get(10002) / (double) requests).as("%s", byPort).isBetween(0.17, 0.23);
        assertThat(spread("greeter:9080", Map.of("end-user", "jason"), 200)).isEqualTo(Map.of(10002, 200));
        assertThat(client.route("greeter:9080", "/", Map.of("end-user", "jason")).host()).isEqualTo("10.0.0.2");
        assertThat(client.route("nobody:80", "/", Map.of())).isNull();

        write("routes.yaml", ALL_V2);
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
                .until(() -> spread("greeter:9080", Map.of(), 50).equals(Map.of(10002, 50)));
        assertThat(client.route("greeter:9080", "/", Map.of()).route()).isEqualTo("all-v2");
    }
}
