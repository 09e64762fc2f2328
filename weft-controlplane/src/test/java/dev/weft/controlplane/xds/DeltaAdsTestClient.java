package dev.weft.controlplane.xds;

import com.google.rpc.Status;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.stub.StreamObserver;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A raw delta ADS client over a real port: sends DeltaDiscoveryRequests, queues responses per type. */
final class DeltaAdsTestClient implements AutoCloseable {
    private final ManagedChannel channel;
    private final StreamObserver<DeltaDiscoveryRequest> requests;
    private final Map<String, BlockingQueue<DeltaDiscoveryResponse>> responses = new ConcurrentHashMap<>();
    private final Node node;
    private volatile Throwable error;

    DeltaAdsTestClient(int port, Node node) {
        this.node = node;
        this.channel = ManagedChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        this.requests = AggregatedDiscoveryServiceGrpc.newStub(channel).deltaAggregatedResources(new StreamObserver<>() {
            @Override
            public void onNext(DeltaDiscoveryResponse r) {
                queue(r.getTypeUrl()).add(r);
            }

            @Override
            public void onError(Throwable t) {
                error = t;
            }

            @Override
            public void onCompleted() {}
        });
    }

    private BlockingQueue<DeltaDiscoveryResponse> queue(String typeUrl) {
        return responses.computeIfAbsent(typeUrl, t -> new LinkedBlockingQueue<>());
    }

    Throwable error() {
        return error;
    }

    /** A first request of a type: subscribe to {@code names} (none: the legacy wildcard), with versions it has. */
    void subscribe(XdsType type, Collection<String> names, Map<String, String> initialVersions) {
        requests.onNext(DeltaDiscoveryRequest.newBuilder().setNode(node).setTypeUrl(type.typeUrl())
                .addAllResourceNamesSubscribe(names).putAllInitialResourceVersions(initialVersions).build());
    }

    void change(XdsType type, Collection<String> subscribe, Collection<String> unsubscribe) {
        requests.onNext(DeltaDiscoveryRequest.newBuilder().setTypeUrl(type.typeUrl())
                .addAllResourceNamesSubscribe(subscribe).addAllResourceNamesUnsubscribe(unsubscribe).build());
    }

    void ack(DeltaDiscoveryResponse r) {
        requests.onNext(DeltaDiscoveryRequest.newBuilder().setTypeUrl(r.getTypeUrl()).setResponseNonce(r.getNonce())
                .build());
    }

    void nack(DeltaDiscoveryResponse r, String message) {
        requests.onNext(DeltaDiscoveryRequest.newBuilder().setTypeUrl(r.getTypeUrl()).setResponseNonce(r.getNonce())
                .setErrorDetail(Status.newBuilder().setCode(3).setMessage(message)).build());
    }

    /** The next response of this type, or null after the timeout. */
    DeltaDiscoveryResponse next(XdsType type, Duration timeout) throws InterruptedException {
        return queue(type.typeUrl()).poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The names of the resources a response carries. */
    static List<String> names(DeltaDiscoveryResponse r) {
        return r.getResourcesList().stream().map(io.envoyproxy.envoy.service.discovery.v3.Resource::getName).toList();
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
