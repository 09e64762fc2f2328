package dev.weft.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.weft.cli.launch.FreePorts;
import dev.weft.tests.harness.Mesh;
import dev.weft.tests.harness.StringGrpc;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * grpc-java client → client sidecar ({@code --upstream greeter=PORT}) → HTTP/2 → server sidecar
 * ({@code --app-protocol grpc}) → grpc-java server, three replicas, with {@link StringGrpc} messages.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GrpcThroughSidecarsTest {
    private static final String SERVICE = "weft.test.Greeter";
    private static final MethodDescriptor<String, String> HELLO = method("Hello", MethodDescriptor.MethodType.UNARY);
    private static final MethodDescriptor<String, String> COUNT =
            method("Count", MethodDescriptor.MethodType.SERVER_STREAMING);
    private static final MethodDescriptor<String, String> JOIN =
            method("Join", MethodDescriptor.MethodType.CLIENT_STREAMING);
    private static final MethodDescriptor<String, String> ECHO = method("Echo", MethodDescriptor.MethodType.BIDI_STREAMING);
    private static final MethodDescriptor<String, String> FAIL = method("Fail", MethodDescriptor.MethodType.UNARY);
    private static final MethodDescriptor<String, String> SLOW = method("Slow", MethodDescriptor.MethodType.UNARY);

    private Mesh mesh;
    private final List<Server> servers = new ArrayList<>();
    private ManagedChannel channel;
    private ManagedChannel downChannel;
    private ManagedChannel legacyChannel;

    private static MethodDescriptor<String, String> method(String name, MethodDescriptor.MethodType type) {
        return StringGrpc.method(SERVICE, name, type);
    }

    private static ServerServiceDefinition greeter(String replica) {
        return ServerServiceDefinition.builder(SERVICE)
                .addMethod(HELLO, ServerCalls.asyncUnaryCall((String name, StreamObserver<String> out) -> {
                    out.onNext("hello " + name + " from " + replica);
                    out.onCompleted();
                }))
                .addMethod(COUNT, ServerCalls.asyncServerStreamingCall((String n, StreamObserver<String> out) -> {
                    for (int i = 1; i <= Integer.parseInt(n); i++) {
                        out.onNext(Integer.toString(i));
                    }
                    out.onCompleted();
                }))
                .addMethod(JOIN, ServerCalls.asyncClientStreamingCall(out -> new StreamObserver<String>() {
                    private final StringBuilder joined = new StringBuilder();

                    @Override
                    public void onNext(String part) {
                        joined.append(part);
                    }

                    @Override
                    public void onError(Throwable t) {}

                    @Override
                    public void onCompleted() {
                        out.onNext(joined.toString());
                        out.onCompleted();
                    }
                }))
                .addMethod(ECHO, ServerCalls.asyncBidiStreamingCall(out -> new StreamObserver<String>() {
                    @Override
                    public void onNext(String message) {
                        out.onNext("echo:" + message);
                    }

                    @Override
                    public void onError(Throwable t) {}

                    @Override
                    public void onCompleted() {
                        out.onCompleted();
                    }
                }))
                .addMethod(FAIL, ServerCalls.asyncUnaryCall((String why, StreamObserver<String> out) ->
                        out.onError(Status.NOT_FOUND.withDescription("no greeting for " + why).asRuntimeException())))
                .addMethod(SLOW, ServerCalls.asyncUnaryCall((String ms, StreamObserver<String> out) -> {
                    try {
                        Thread.sleep(Long.parseLong(ms));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    out.onNext("slow");
                    out.onCompleted();
                }))
                .build();
    }

    @BeforeAll
    void startMesh() {
        mesh = Mesh.create("grpc");
        // a gRPC server without a sidecar behind a ServiceEntry port that declares no protocol (detected per connection)
        int legacyServerPort = FreePorts.next();
        servers.add(StringGrpc.serve(legacyServerPort, greeter("legacy")));
        mesh.writeConfig("legacy.yaml", """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: legacygrpc, namespace: default}
                spec:
                  hosts: [legacygrpc.external]
                  ports: [{number: 7070, name: legacy}]
                  location: MESH_EXTERNAL
                  resolution: STATIC
                  endpoints: [{address: 127.0.0.1, ports: {legacy: %d}}]
                """.formatted(legacyServerPort));
        mesh.writeConfig("greeter.yaml", """
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata:
                  name: greeter
                  namespace: default
                spec:
                  host: greeter
                  trafficPolicy:
                    loadBalancer:
                      simple: ROUND_ROBIN
                """);
        mesh.startControlPlane();
        for (String replica : List.of("a", "b", "c")) {
            mesh.addTestAppWorkload("greeter-" + replica, "greeter", "v1", 50051, List.of("--app-protocol", "grpc"),
                    port -> servers.add(StringGrpc.serve(port, greeter(replica))));
        }
        // a service whose app is down: failures must come back as gRPC statuses
        mesh.addTestAppWorkload("gone", "gone", "v1", 50051, List.of("--app-protocol", "grpc"), port -> {});
        int greeterPort = FreePorts.next();
        int gonePort = FreePorts.next();
        int legacyPort = FreePorts.next();
        mesh.addTestAppWorkload("client", "client", "v1", 8080,
                List.of("--upstream", "greeter=" + greeterPort, "--upstream", "gone=" + gonePort,
                        "--upstream", "legacygrpc.external=" + legacyPort), port -> {});
        mesh.awaitReady();
        channel = StringGrpc.channel(greeterPort);
        downChannel = StringGrpc.channel(gonePort);
        legacyChannel = StringGrpc.channel(legacyPort);
        // the client sidecar learns all three endpoints
        await().atMost(Mesh.STARTUP).pollInterval(Duration.ofMillis(200)).ignoreExceptions().until(() -> {
            Map<String, Integer> seen = spread(30);
            return seen.size() == 3;
        });
    }

    @AfterAll
    void stopMesh() throws InterruptedException {
        if (channel != null) {
            channel.shutdownNow();
            downChannel.shutdownNow();
            legacyChannel.shutdownNow();
        }
        for (Server s : servers) {
            s.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        if (mesh != null) {
            mesh.close();
        }
    }

    @Test
    void anHttp2ClientOnAnUndeclaredPortKeepsHttp2ToAServerWithoutASidecar() {
        // the sidecar detects h2c on the port and, with use_downstream_protocol_config, calls the server over h2c too
        // (over HTTP/1.1 the gRPC server could not answer)
        String reply = await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                .until(() -> ClientCalls.blockingUnaryCall(legacyChannel, HELLO,
                        CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS), "old friend"), r -> r != null);
        assertThat(reply).isEqualTo("hello old friend from legacy");
        Iterator<String> counted = ClientCalls.blockingServerStreamingCall(legacyChannel, COUNT,
                CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS), "3");
        List<String> parts = new ArrayList<>();
        counted.forEachRemaining(parts::add);
        assertThat(parts).containsExactly("1", "2", "3");
    }

    private String hello(String name) {
        return ClientCalls.blockingUnaryCall(channel, HELLO, CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS),
                name);
    }

    private Map<String, Integer> spread(int calls) {
        Map<String, Integer> byReplica = new ConcurrentHashMap<>();
        for (int i = 0; i < calls; i++) {
            String reply = hello("n" + i);
            byReplica.merge(reply.substring(reply.lastIndexOf(' ') + 1), 1, Integer::sum);
        }
        return byReplica;
    }

    @Test
    void unaryCallsOnOneConnectionAreBalancedPerRequestAcrossReplicas() {
        int calls = 600;
        Map<String, Integer> byReplica = spread(calls);
        assertThat(byReplica).containsOnlyKeys("a", "b", "c");
        for (int n : byReplica.values()) {
            assertThat(n).isBetween((int) (calls / 3 * 0.95), (int) Math.ceil(calls / 3 * 1.05));
        }
    }

    @Test
    void serverClientAndBidiStreamingCalls() throws Exception {
        Iterator<String> counted = ClientCalls.blockingServerStreamingCall(channel, COUNT,
                CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), "500");
        List<String> got = new ArrayList<>();
        counted.forEachRemaining(got::add);
        assertThat(got).hasSize(500).startsWith("1", "2").endsWith("500");

        AtomicReference<String> joined = new AtomicReference<>();
        CountDownLatch joinDone = new CountDownLatch(1);
        StreamObserver<String> parts = ClientCalls.asyncClientStreamingCall(
                channel.newCall(JOIN, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS)),
                observer(joined::set, joinDone));
        for (int i = 0; i < 100; i++) {
            parts.onNext("x".repeat(1000));
        }
        parts.onCompleted();
        assertThat(joinDone.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(joined.get()).hasSize(100_000);

        List<String> echoes = new java.util.concurrent.CopyOnWriteArrayList<>();
        CountDownLatch echoDone = new CountDownLatch(1);
        StreamObserver<String> chat = ClientCalls.asyncBidiStreamingCall(
                channel.newCall(ECHO, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS)),
                observer(echoes::add, echoDone));
        chat.onNext("one");
        await().atMost(Duration.ofSeconds(5)).until(() -> echoes.contains("echo:one")); // interleaved, not batched
        chat.onNext("two");
        chat.onCompleted();
        assertThat(echoDone.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(echoes).containsExactly("echo:one", "echo:two");
    }

    @Test
    void statusesMessagesAndDeadlinesCrossBothSidecars() {
        assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(channel, FAIL,
                CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS), "bob"))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
                    assertThat(e.getStatus().getDescription()).isEqualTo("no greeting for bob");
                });
        long start = System.nanoTime();
        assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(channel, SLOW,
                CallOptions.DEFAULT.withDeadlineAfter(300, TimeUnit.MILLISECONDS), "3000"))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e ->
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
    }

    @Test
    void anUpstreamThatIsDownIsUnavailableAsAGrpcStatus() {
        // a generous deadline: the answer must be the sidecar's UNAVAILABLE, not a slow machine's DEADLINE_EXCEEDED
        assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(downChannel, HELLO,
                CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS), "x"))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
                    assertThat(e.getStatus().getDescription()).contains("upstream connect error");
                });
    }

    private static StreamObserver<String> observer(java.util.function.Consumer<String> onNext, CountDownLatch done) {
        return new StreamObserver<>() {
            @Override
            public void onNext(String value) {
                onNext.accept(value);
            }

            @Override
            public void onError(Throwable t) {
                done.countDown();
            }

            @Override
            public void onCompleted() {
                done.countDown();
            }
        };
    }
}
