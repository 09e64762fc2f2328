package dev.weft.tests.extauthz;

import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.envoyproxy.envoy.service.auth.v3.DeniedHttpResponse;
import io.envoyproxy.envoy.service.auth.v3.OkHttpResponse;
import io.envoyproxy.envoy.type.v3.HttpStatus;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ServerCalls;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

/**
 * A real gRPC ext_authz server implementing {@code envoy.service.auth.v3.Authorization/Check}: OK (with a header for
 * the upstream and one for the client) when the request carries {@code x-ext-authz: allow}, otherwise
 * PERMISSION_DENIED with a 403 denied_response, a header and a body.
 */
final class GrpcAuthorizer implements AutoCloseable {
    static final String DENIED_BODY = "denied by the gRPC authorizer";
    private static final MethodDescriptor<CheckRequest, CheckResponse> CHECK =
            MethodDescriptor.<CheckRequest, CheckResponse>newBuilder()
                    .setType(MethodDescriptor.MethodType.UNARY)
                    .setFullMethodName("envoy.service.auth.v3.Authorization/Check")
                    .setRequestMarshaller(ProtoUtils.marshaller(CheckRequest.getDefaultInstance()))
                    .setResponseMarshaller(ProtoUtils.marshaller(CheckResponse.getDefaultInstance()))
                    .build();

    private final Server server;
    private final int port;
    final ConcurrentLinkedQueue<CheckRequest> checks = new ConcurrentLinkedQueue<>();

    GrpcAuthorizer() throws IOException {
        ServerServiceDefinition service = ServerServiceDefinition.builder("envoy.service.auth.v3.Authorization")
                .addMethod(CHECK, ServerCalls.asyncUnaryCall((request, response) -> {
                    checks.add(request);
                    var headers = request.getAttributes().getRequest().getHttp().getHeadersMap();
                    if ("allow".equals(headers.get("x-ext-authz"))) {
                        response.onNext(CheckResponse.newBuilder()
                                .setStatus(com.google.rpc.Status.newBuilder().setCode(0))
                                .setOkResponse(OkHttpResponse.newBuilder()
                                        .addHeaders(header("x-ext-authz-check-result", "allowed"))
                                        .addHeadersToRemove("x-remove-me")
                                        .addResponseHeadersToAdd(header("x-ext-authz-trace", "grpc-checked")))
                                .build());
                    } else {
                        response.onNext(CheckResponse.newBuilder()
                                .setStatus(com.google.rpc.Status.newBuilder().setCode(io.grpc.Status.Code.PERMISSION_DENIED.value()))
                                .setDeniedResponse(DeniedHttpResponse.newBuilder()
                                        .setStatus(HttpStatus.newBuilder().setCodeValue(403))
                                        .addHeaders(header("x-ext-authz-check-result", "denied"))
                                        .setBody(DENIED_BODY))
                                .build());
                    }
                    response.onCompleted();
                }))
                .build();
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(service).build().start();
        port = server.getPort(); // kept: the config still names it after the server is stopped
    }

    private static HeaderValueOption header(String name, String value) {
        return HeaderValueOption.newBuilder().setHeader(HeaderValue.newBuilder().setKey(name).setValue(value)).build();
    }

    int port() {
        return port;
    }

    @Override
    public void close() throws InterruptedException {
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
}
