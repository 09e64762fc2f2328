package dev.weft.proxy.authz;

import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Calls {@code envoy.service.auth.v3.Authorization/Check} with grpc-java: one channel per authorizer endpoint, made
 * once and shared by every event loop (grpc-java multiplexes calls over HTTP/2). Calls are asynchronous; the answer
 * arrives on a gRPC thread and the caller hands it back to its own event loop.
 */
final class ExtAuthzGrpcClient {
    /** Envoy's Authorization service has no generated stub in the envoy API jar: the method is described here. */
    static final MethodDescriptor<CheckRequest, CheckResponse> CHECK = MethodDescriptor.<CheckRequest, CheckResponse>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY)
            .setFullMethodName(MethodDescriptor.generateFullMethodName("envoy.service.auth.v3.Authorization", "Check"))
            .setRequestMarshaller(ProtoUtils.marshaller(CheckRequest.getDefaultInstance()))
            .setResponseMarshaller(ProtoUtils.marshaller(CheckResponse.getDefaultInstance()))
            .build();

    private static final Map<String, ManagedChannel> CHANNELS = new ConcurrentHashMap<>();

    private ExtAuthzGrpcClient() {}

    /** Sends the check; {@code observer} gets exactly one response or error, on a gRPC thread. */
    static void check(String host, int port, String authority, CheckRequest request, long timeoutMillis,
                      StreamObserver<CheckResponse> observer) {
        String key = host + ":" + port + "|" + authority;
        ManagedChannel channel = CHANNELS.get(key);
        if (channel == null) {
            channel = CHANNELS.computeIfAbsent(key, k -> NettyChannelBuilder.forAddress(host, port)
                    .overrideAuthority(authority).usePlaintext().build());
        }
        ClientCalls.asyncUnaryCall(channel.newCall(CHECK, CallOptions.DEFAULT
                .withDeadlineAfter(timeoutMillis, TimeUnit.MILLISECONDS)), request, observer);
    }
}
