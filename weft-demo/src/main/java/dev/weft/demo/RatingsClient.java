package dev.weft.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Calls ratings over gRPC through the sidecar: one HTTP/2 connection to the sidecar's outbound listener, with
 * {@code :authority ratings:9080} naming the service (as a Host header does for HTTP/1.1). The sidecar routes and
 * balances each call on its own. User and trace headers of the inbound request travel as gRPC metadata.
 */
final class RatingsClient implements AutoCloseable {
    static final String AUTHORITY = "ratings:9080";
    private static final Metadata.Key<String> RESPONSE_FLAGS =
            Metadata.Key.of("x-weft-response-flags", Metadata.ASCII_STRING_MARSHALLER);

    private final ManagedChannel channel;

    /** {@code proxy}: the sidecar's outbound listener; null: ratings:9080 directly. */
    RatingsClient(InetSocketAddress proxy) {
        NettyChannelBuilder builder = proxy != null
                ? NettyChannelBuilder.forAddress(proxy).overrideAuthority(AUTHORITY)
                : NettyChannelBuilder.forTarget(AUTHORITY);
        this.channel = builder.usePlaintext().proxyDetector(address -> null).build();
    }

    /** The ratings of book {@code id}; never throws for upstream trouble: the answer says what failed. */
    JsonNode get(String id, HttpExchange inbound) {
        Metadata headers = new Metadata();
        for (String name : MeshCaller.PROPAGATED_HEADERS) {
            String value = inbound.getRequestHeaders().getFirst(name);
            if (value != null) {
                headers.put(Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER), value);
            }
        }
        AtomicReference<Metadata> trailers = new AtomicReference<>();
        Channel call = ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(headers),
                MetadataUtils.newCaptureMetadataInterceptor(new AtomicReference<>(), trailers));
        try {
            return ClientCalls.blockingUnaryCall(call, RatingsGrpc.GET_RATINGS,
                    CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS), RatingsGrpc.request(id));
        } catch (StatusRuntimeException e) {
            Metadata t = trailers.get();
            String flags = t == null || t.get(RESPONSE_FLAGS) == null ? "" : t.get(RESPONSE_FLAGS);
            return Json.MAPPER.createObjectNode()
                    .put("error", "gRPC " + e.getStatus().getCode()
                            + (e.getStatus().getDescription() == null ? "" : ": " + e.getStatus().getDescription()))
                    .put("flags", flags);
        }
    }

    @Override
    public void close() {
        channel.shutdownNow();
    }
}
