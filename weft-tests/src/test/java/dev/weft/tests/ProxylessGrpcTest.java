package dev.weft.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.weft.tests.harness.Mesh;
import dev.weft.tests.harness.Reply;
import dev.weft.tests.harness.StringGrpc;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * A stock grpc-java proxyless client ({@code io.grpc:grpc-xds}, {@code xds:///} targets, a bootstrap file naming the
 * control plane) against {@code weft controlplane} as a real process: two plain gRPC servers (v1, v2) declared by a
 * ServiceEntry and two WorkloadEntries, a VirtualService splitting 80/20, then replaced by a header route, which the
 * running channel follows without a restart. No sidecar anywhere.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ProxylessGrpcTest {
    private static final String SERVICE = "weft.test.Greeter";
    private static final String NODE_ID = "proxyless~127.0.0.1~greeter-client.default";
    private static final MethodDescriptor<String, String> HELLO = StringGrpc.method(SERVICE, "Hello",
            MethodDescriptor.MethodType.UNARY);
    private static final MethodDescriptor<String, String> SLOW = StringGrpc.method(SERVICE, "Slow",
            MethodDescriptor.MethodType.UNARY);
    /** Fails UNAVAILABLE the first time it sees a name and answers every later call for it: one retry heals it. */
    private static final MethodDescriptor<String, String> FLAKY = StringGrpc.method(SERVICE, "Flaky",
            MethodDescriptor.MethodType.UNARY);

    private Mesh mesh;
    private final List<Server> servers = new ArrayList<>();
    private ManagedChannel channel;
    private String previousBootstrap;

    private final Set<String> flakySeen = ConcurrentHashMap.newKeySet();
    private final AtomicInteger calls = new AtomicInteger();

    private ServerServiceDefinition greeter(String version) {
        return ServerServiceDefinition.builder(SERVICE)
                .addMethod(HELLO, ServerCalls.asyncUnaryCall((String name, StreamObserver<String> out) -> {
                    calls.incrementAndGet();
                    out.onNext(version);
                    out.onCompleted();
                }))
                .addMethod(SLOW, ServerCalls.asyncUnaryCall((String name, StreamObserver<String> out) -> {
                    try {
                        Thread.sleep(5_000);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    out.onNext(version);
                    out.onCompleted();
                }))
                .addMethod(FLAKY, ServerCalls.asyncUnaryCall((String name, StreamObserver<String> out) -> {
                    if (flakySeen.add(name)) {
                        out.onError(Status.UNAVAILABLE.withDescription("first try of " + name).asRuntimeException());
                    } else {
                        out.onNext(version);
                        out.onCompleted();
                    }
                }))
                .build();
    }

    @BeforeAll
    void startMeshAndClient() throws IOException {
        mesh = Mesh.create("proxyless");
        Map<String, Integer> ports = new TreeMap<>();
        for (String version : List.of("v1", "v2")) {
            Server server = StringGrpc.serve(0, greeter(version));
            servers.add(server);
            ports.put(version, server.getPort());
        }
        mesh.writeConfig("greeter.yaml", greeterService(ports.get("v1"), ports.get("v2")));
        mesh.writeConfig("greeter-routes.yaml", SPLIT_80_20);
        mesh.startControlPlane();

        Path bootstrap = mesh.workDir().resolve("grpc-bootstrap.json");
        Files.writeString(bootstrap, """
                {
                  "xds_servers": [{"server_uri": "127.0.0.1:%d", "channel_creds": [{"type": "insecure"}],
                                   "server_features": ["xds_v3"]}],
                  "node": {"id": "%s", "metadata": {"WEFT_ROLE": "proxyless", "NAMESPACE": "default"}}
                }
                """.formatted(mesh.controlPlane().xdsPort(), NODE_ID));
        // grpc-xds reads the bootstrap when the first xds:/// channel resolves; nothing else in this JVM uses it
        previousBootstrap = System.setProperty("io.grpc.xds.bootstrap", bootstrap.toString());
        channel = Grpc.newChannelBuilder("xds:///greeter:9080", InsecureChannelCredentials.create()).build();
    }

    @AfterAll
    void stop() throws InterruptedException {
        if (channel != null) {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        for (Server s : servers) {
            s.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        if (mesh != null) {
            mesh.close();
        }
        if (previousBootstrap == null) {
            System.clearProperty("io.grpc.xds.bootstrap");
        } else {
            System.setProperty("io.grpc.xds.bootstrap", previousBootstrap);
        }
    }

    private static String greeterService(int v1Port, int v2Port) {
        return """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata:
                  name: greeter
                  namespace: default
                spec:
                  hosts:
                  - greeter.default.svc.cluster.local
                  ports:
                  - number: 9080
                    name: grpc
                    protocol: GRPC
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
                  namespace: default
                spec:
                  address: 127.0.0.1
                  ports:
                    grpc: %d
                  labels:
                    app: greeter
                    version: v1
                ---
                apiVersion: networking.istio.io/v1
                kind: WorkloadEntry
                metadata:
                  name: greeter-v2
                  namespace: default
                spec:
                  address: 127.0.0.1
                  ports:
                    grpc: %d
                  labels:
                    app: greeter
                    version: v2
                ---
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata:
                  name: greeter
                  namespace: default
                spec:
                  host: greeter
                  subsets:
                  - name: v1
                    labels:
                      version: v1
                  - name: v2
                    labels:
                      version: v2
                """.formatted(v1Port, v2Port);
    }

    private static final String SPLIT_80_20 = """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata:
              name: greeter
              namespace: default
            spec:
              hosts:
              - greeter
              http:
              - route:
                - destination:
                    host: greeter
                    subset: v1
                  weight: 80
                - destination:
                    host: greeter
                    subset: v2
                  weight: 20
            """;

    private static final String JASON_TO_V2 = """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata:
              name: greeter
              namespace: default
            spec:
              hosts:
              - greeter
              http:
              - match:
                - headers:
                    end-user:
                      exact: jason
                route:
                - destination:
                    host: greeter
                    subset: v2
              - route:
                - destination:
                    host: greeter
                    subset: v1
            """;

    private static final String RESILIENCE = """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata:
              name: greeter
              namespace: default
            spec:
              hosts:
              - greeter
              http:
              - name: slow
                match:
                - uri:
                    exact: /weft.test.Greeter/Slow
                timeout: 0.5s
                route:
                - destination:
                    host: greeter
                    subset: v1
              - name: fault
                match:
                - headers:
                    x-fault:
                      exact: abort
                fault:
                  abort:
                    grpcStatus: RESOURCE_EXHAUSTED
                    percentage:
                      value: 100
                route:
                - destination:
                    host: greeter
                    subset: v1
              - name: no-retries
                match:
                - headers:
                    x-retries:
                      exact: "off"
                retries:
                  attempts: 0
                route:
                - destination:
                    host: greeter
                    subset: v1
              - name: default
                route:
                - destination:
                    host: greeter
                    subset: v1
            """;

    private static Channel with(Channel channel, String header, String value) {
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of(header, Metadata.ASCII_STRING_MARSHALLER), value);
        return ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(headers));
    }

    private static String call(Channel channel, MethodDescriptor<String, String> method, String request) {
        return ClientCalls.blockingUnaryCall(channel, method,
                CallOptions.DEFAULT.withDeadlineAfter(20, TimeUnit.SECONDS).withWaitForReady(), request);
    }

    private static String hello(Channel channel) {
        return call(channel, HELLO, "x");
    }

    /** Which version answered {@code calls} calls, made 50 at a time (the machine may be heavily loaded). */
    private static Map<String, Integer> spread(Channel channel, int calls) throws Exception {
        Map<String, Integer> byVersion = new TreeMap<>();
        for (int done = 0; done < calls; done += 50) {
            List<Future<String>> batch = new ArrayList<>();
            for (int i = 0; i < Math.min(50, calls - done); i++) {
                batch.add(ClientCalls.futureUnaryCall(channel.newCall(HELLO,
                        CallOptions.DEFAULT.withDeadlineAfter(20, TimeUnit.SECONDS).withWaitForReady()), "x"));
            }
            for (Future<String> reply : batch) {
                byVersion.merge(reply.get(), 1, Integer::sum);
            }
        }
        return byVersion;
    }

    @Test
    @Order(1)
    void weightedSplitIsAppliedByTheClientItself() throws Exception {
        // the first call waits for LDS -> CDS -> EDS (at load 40 the client's first xDS round trips took ~40 s)
        await().atMost(Mesh.STARTUP).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                .until(() -> hello(channel) != null);
        int calls = 600;
        Map<String, Integer> byVersion = spread(channel, calls);
        assertThat(byVersion).as("%s", byVersion).containsOnlyKeys("v1", "v2");
        double v2 = byVersion.get("v2") / (double) calls;
        // binomial: sd = sqrt(0.2 * 0.8 / 600) = 1.6%; 20% +- 7% is over 4 sd
        assertThat(v2).as("v2 share of %s", byVersion).isBetween(0.13, 0.27);
    }

    @Test
    @Order(2)
    void otherNameFormsOfTheSameServiceResolve() throws Exception {
        ManagedChannel fqdn = Grpc.newChannelBuilder("xds:///greeter.default.svc.cluster.local:9080",
                InsecureChannelCredentials.create()).build();
        try {
            assertThat(spread(fqdn, 50)).as("same 80/20 route").containsOnlyKeys("v1", "v2");
        } finally {
            fqdn.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    @Test
    @Order(3)
    void theClientAckedEveryTypeItAskedForAndNackedNothing() throws Exception {
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            Reply syncz = mesh.controlPlaneGet("/debug/syncz");
            assertThat(syncz.status()).isEqualTo(200);
            var client = java.util.stream.StreamSupport.stream(syncz.json().spliterator(), false)
                    .filter(p -> p.path("id").asText().equals(NODE_ID)).findFirst();
            assertThat(client).as("%s", syncz.body()).isPresent();
            assertThat(client.get().path("role").asText()).isEqualTo("proxyless");
            var types = client.get().path("types");
            List<String> acked = new ArrayList<>();
            types.fields().forEachRemaining(e -> {
                var type = e.getValue();
                assertThat(type.path("nack").isNull()).as("%s", type).isTrue();
                if (!type.path("sentVersion").asText().isEmpty()) {
                    assertThat(type.path("ackedVersion").asText()).as("%s", type)
                            .isEqualTo(type.path("sentVersion").asText());
                    acked.add(e.getKey());
                }
            });
            assertThat(acked).as("%s", types).contains("lds", "cds", "eds");
        });
    }

    @Test
    @Order(4)
    void aNewVirtualServiceIsFollowedWithoutRestart() throws Exception {
        mesh.writeConfig("greeter-routes.yaml", JASON_TO_V2);
        Channel jason = with(channel, "end-user", "jason");
        Channel someoneElse = with(channel, "end-user", "alice");
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() ->
                hello(jason).equals("v2") && spread(someoneElse, 20).equals(Map.of("v1", 20)));
        assertThat(spread(jason, 100)).isEqualTo(Map.of("v2", 100));
        assertThat(spread(someoneElse, 100)).isEqualTo(Map.of("v1", 100));
        assertThat(spread(channel, 100)).as("no end-user header").isEqualTo(Map.of("v1", 100));
    }

    @Test
    @Order(5)
    void timeoutsRetriesAndFaultInjectionAreAppliedByTheClient() {
        mesh.writeConfig("greeter-routes.yaml", RESILIENCE);
        Channel abort = with(channel, "x-fault", "abort");
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
            try {
                call(abort, HELLO, "x");
                return false;
            } catch (StatusRuntimeException e) {
                return e.getStatus().getCode() == Status.Code.RESOURCE_EXHAUSTED;
            }
        });
        // fault: the client aborts the call itself; the server never sees it
        int before = calls.get();
        for (int i = 0; i < 20; i++) {
            assertThatThrownBy(() -> call(abort, HELLO, "x")).isInstanceOfSatisfying(StatusRuntimeException.class,
                    e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED));
        }
        assertThat(calls.get()).isEqualTo(before);
        // timeout 0.5s: the server answers after 5 s, the caller would wait 20 s
        assertThatThrownBy(() -> call(channel, SLOW, "x")).isInstanceOfSatisfying(StatusRuntimeException.class,
                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
        // Istio's default retry policy (unavailable, cancelled; 2 retries) heals a failed first try ...
        assertThat(call(channel, FLAKY, "retried")).isEqualTo("v1");
        // ... and retries.attempts: 0 turns it off
        assertThatThrownBy(() -> call(with(channel, "x-retries", "off"), FLAKY, "not-retried"))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
    }
}
