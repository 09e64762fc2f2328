package dev.weft.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.weft.cli.launch.FreePorts;
import dev.weft.tests.harness.Mesh;
import dev.weft.tests.harness.StringGrpc;
import io.grpc.CallOptions;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * gRPC retries and deadlines through two sidecars (grpc-java client → client sidecar → HTTP/2 → server sidecar →
 * grpc-java server): one of two replicas answers UNAVAILABLE (a trailers-only reply), which {@code retryOn:
 * unavailable} hides; and a call's deadline reaches the server as a smaller {@code grpc-timeout} rewritten at each
 * hop, so a slow server is abandoned when the caller gives up.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GrpcRetriesTest {
    private static final String SERVICE = "weft.test.Flaky";
    private static final MethodDescriptor<String, String> RETRIED = unary("Retried");
    private static final MethodDescriptor<String, String> NOT_RETRIED = unary("NotRetried");
    private static final MethodDescriptor<String, String> SLOW = unary("Slow");
    private static final Metadata.Key<String> GRPC_TIMEOUT =
            Metadata.Key.of("grpc-timeout", Metadata.ASCII_STRING_MARSHALLER);
    /** The grpc-timeout header the Slow method's server received last, or its deadline when the header was consumed. */
    private final AtomicReference<String> serverTimeout = new AtomicReference<>();
    private final AtomicLong serverCancelledAfterMillis = new AtomicLong(-1);

    private Mesh mesh;
    private final List<Server> servers = new ArrayList<>();
    private ManagedChannel channel;

    private static MethodDescriptor<String, String> unary(String name) {
        return StringGrpc.method(SERVICE, name, MethodDescriptor.MethodType.UNARY);
    }

    private ServerServiceDefinition service(String replica, boolean unavailable) {
        ServerCalls.UnaryMethod<String, String> answer = (String name, StreamObserver<String> out) -> {
            if (unavailable) {
                out.onError(Status.UNAVAILABLE.withDescription(replica + " is shedding load").asRuntimeException());
            } else {
                out.onNext("ok from " + replica);
                out.onCompleted();
            }
        };
        ServerServiceDefinition definition = ServerServiceDefinition.builder(SERVICE)
                .addMethod(RETRIED, ServerCalls.asyncUnaryCall(answer))
                .addMethod(NOT_RETRIED, ServerCalls.asyncUnaryCall(answer))
                .addMethod(SLOW, ServerCalls.asyncUnaryCall((String ms, StreamObserver<String> out) -> {
                    long start = System.nanoTime();
                    Context.current().addListener(c -> serverCancelledAfterMillis.set(
                            (System.nanoTime() - start) / 1_000_000), Runnable::run);
                    try {
                        Thread.sleep(Long.parseLong(ms));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    out.onNext("slow");
                    out.onCompleted();
                }))
                .build();
        ServerInterceptor seeTimeout = new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                               ServerCallHandler<Q, R> next) {
                if (call.getMethodDescriptor().getFullMethodName().endsWith("/Slow")) {
                    String header = headers.get(GRPC_TIMEOUT);
                    var deadline = Context.current().getDeadline();
                    serverTimeout.set(header != null ? header
                            : deadline == null ? "none" : deadline.timeRemaining(TimeUnit.MILLISECONDS) + "m");
                }
                return Contexts.interceptCall(Context.current(), call, headers, next);
            }
        };
        return ServerInterceptors.intercept(definition, seeTimeout);
    }

    @BeforeAll
    void startMesh() {
        mesh = Mesh.create("grpc-retries");
        mesh.writeConfig("flaky.yaml", """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: flaky}
                spec:
                  hosts: [flaky]
                  http:
                  - match: [{uri: {exact: /weft.test.Flaky/NotRetried}}]
                    retries: {attempts: 0}
                    route: [{destination: {host: flaky}}]
                  - retries: {attempts: 2, retryOn: unavailable}
                    route: [{destination: {host: flaky}}]
                ---
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: flaky}
                spec:
                  host: flaky
                  trafficPolicy:
                    loadBalancer: {simple: ROUND_ROBIN}
                """);
        mesh.startControlPlane();
        for (String replica : List.of("good", "bad")) {
            mesh.addTestAppWorkload("flaky-" + replica, "flaky", "v1", 50051, List.of("--app-protocol", "grpc"),
                    port -> servers.add(StringGrpc.serve(port, service(replica, replica.equals("bad")))));
        }
        int flakyPort = FreePorts.next();
        mesh.addTestAppWorkload("client", "client", "v1", 8080, List.of("--upstream", "flaky=" + flakyPort),
                port -> {});
        mesh.awaitReady();
        channel = StringGrpc.channel(flakyPort);
        // the client sidecar knows both replicas once a not-retried call has met the bad one
        await().atMost(Mesh.STARTUP).pollInterval(Duration.ofMillis(200)).until(() -> {
            int unavailable = 0;
            for (int i = 0; i < 4; i++) {
                unavailable += call(NOT_RETRIED) == Status.Code.UNAVAILABLE ? 1 : 0;
            }
            return unavailable == 2;
        });
    }

    @AfterAll
    void stopMesh() throws InterruptedException {
        if (channel != null) {
            channel.shutdownNow();
        }
        for (Server s : servers) {
            s.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        if (mesh != null) {
            mesh.close();
        }
    }

    private Status.Code call(MethodDescriptor<String, String> method) {
        try {
            // generous: a loaded machine must not turn a slow call into a failure counted against retries
            ClientCalls.blockingUnaryCall(channel, method, CallOptions.DEFAULT.withDeadlineAfter(20, TimeUnit.SECONDS),
                    "x");
            return Status.Code.OK;
        } catch (StatusRuntimeException e) {
            return e.getStatus().getCode();
        }
    }

    @Test
    void retryOnUnavailableHidesAReplicaThatAnswersUnavailable() {
        int calls = 40;
        int unavailableWithout = 0;
        for (int i = 0; i < calls; i++) {
            unavailableWithout += call(NOT_RETRIED) == Status.Code.UNAVAILABLE ? 1 : 0;
        }
        int failedWith = 0;
        List<Status.Code> failures = new ArrayList<>();
        for (int i = 0; i < calls; i++) {
            Status.Code code = call(RETRIED);
            if (code != Status.Code.OK) {
                failedWith++;
                failures.add(code);
            }
        }
        System.out.printf("gRPC, 1 of 2 replicas UNAVAILABLE: %d/%d calls failed without retries, %d/%d with "
                + "retryOn: unavailable %s%n", unavailableWithout, calls, failedWith, calls, failures);
        assertThat(unavailableWithout).as("round robin: half the calls meet the bad replica")
                .isBetween(calls * 4 / 10, calls * 6 / 10);
        assertThat(failedWith).as("calls that failed with retryOn: unavailable").isZero();
    }

    @Test
    void theDeadlineReachesTheServerAsASmallerGrpcTimeoutAndEndsTheCallInTime() {
        long start = System.nanoTime();
        assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(channel, SLOW,
                CallOptions.DEFAULT.withDeadlineAfter(300, TimeUnit.MILLISECONDS), "10000"))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e ->
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
        long tookMs = (System.nanoTime() - start) / 1_000_000;
        await().atMost(Duration.ofSeconds(5)).until(() -> serverTimeout.get() != null);
        String seen = serverTimeout.get();
        long seenMs = dev.weft.proxy.grpc.GrpcRequests.timeoutMillis(seen);
        // the server's call is cancelled when the sidecars give up, long before its 10 s of work end (the bounds
        // leave room for a loaded machine; what matters is that nobody waits for the server's work)
        await().atMost(Duration.ofSeconds(5)).until(() -> serverCancelledAfterMillis.get() >= 0);
        System.out.printf("gRPC deadline 300 ms through two sidecars: DEADLINE_EXCEEDED after %d ms; the server saw "
                + "grpc-timeout %s and was cancelled after %d ms%n", tookMs, seen, serverCancelledAfterMillis.get());
        assertThat(tookMs).as("the caller's wait").isLessThan(5000);
        assertThat(seenMs).as("grpc-timeout at the server (%s)", seen).isBetween(1L, 299L);
        assertThat(serverCancelledAfterMillis.get()).as("server call cancelled after").isLessThan(5000);
    }
}
