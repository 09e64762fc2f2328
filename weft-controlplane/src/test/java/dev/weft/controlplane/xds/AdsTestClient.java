package dev.weft.controlplane.xds;

import com.google.rpc.Status;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;

import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A minimal real ADS client over a real port: sends requests, queues responses per type. */
public final class AdsTestClient implements AutoCloseable {
    private final ManagedChannel channel;
    private final StreamObserver<DiscoveryRequest> requests;
    private final Map<String, BlockingQueue<DiscoveryResponse>> responses = new ConcurrentHashMap<>();
    private final Node node;
    private volatile Throwable error;
    private volatile boolean completed;

    public AdsTestClient(int port, Node node) {
        this(port, node, io.grpc.InsecureChannelCredentials.create());
    }

    /** Over {@code credentials} (TLS to the control plane's TLS port, with or without a client certificate). */
    public AdsTestClient(int port, Node node, io.grpc.ChannelCredentials credentials) {
        this.node = node;
        this.channel = io.grpc.Grpc.newChannelBuilderForAddress("127.0.0.1", port, credentials).build();
        this.requests = AggregatedDiscoveryServiceGrpc.newStub(channel).streamAggregatedResources(new StreamObserver<>() {
            @Override
            public void onNext(DiscoveryResponse r) {
                queue(r.getTypeUrl()).add(r);
            }

            @Override
            public void onError(Throwable t) {
                error = t;
            }

            @Override
            public void onCompleted() {
                completed = true;
            }
        });
    }

    private BlockingQueue<DiscoveryResponse> queue(String typeUrl) {
        return responses.computeIfAbsent(typeUrl, t -> new LinkedBlockingQueue<>());
    }

    /** Waits until the HTTP/2 connection is up, so a later request reaches the server without connect delay. */
    public void awaitConnected(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (channel.getState(true) != io.grpc.ConnectivityState.READY) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("channel not connected within " + timeout);
            }
            Thread.sleep(10);
        }
    }

    public Throwable error() {
        return error;
    }

    /** Initial subscription (the node rides along on every request, as Envoy may do). */
    public void subscribe(XdsType type, Collection<String> names) {
        requests.onNext(DiscoveryRequest.newBuilder().setNode(node).setTypeUrl(type.typeUrl())
                .addAllResourceNames(names).build());
    }

    public void ack(DiscoveryResponse r, Collection<String> names) {
        requests.onNext(DiscoveryRequest.newBuilder().setTypeUrl(r.getTypeUrl()).setVersionInfo(r.getVersionInfo())
                .setResponseNonce(r.getNonce()).addAllResourceNames(names).build());
    }

    public void nack(DiscoveryResponse r, String lastGoodVersion, Collection<String> names, String message) {
        requests.onNext(DiscoveryRequest.newBuilder().setTypeUrl(r.getTypeUrl()).setVersionInfo(lastGoodVersion)
                .setResponseNonce(r.getNonce()).addAllResourceNames(names)
                .setErrorDetail(Status.newBuilder().setCode(3).setMessage(message)).build());
    }

    /** The next response of this type, or null after the timeout. */
    public DiscoveryResponse next(XdsType type, Duration timeout) throws InterruptedException {
        return queue(type.typeUrl()).poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Drops responses already received (to wait for the next push). */
    public void drain(XdsType type) {
        queue(type.typeUrl()).clear();
    }

    /** Ends the stream as a proxy shutting down would. */
    public void closeStream() {
        requests.onCompleted();
    }

    @Override
    public void close() throws InterruptedException {
        try {
            requests.onCompleted();
        } catch (RuntimeException ignored) {
            // already closed
        }
        channel.shutdownNow();
        channel.awaitTermination(5, TimeUnit.SECONDS);
    }
}
