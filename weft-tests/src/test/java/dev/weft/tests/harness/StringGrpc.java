package dev.weft.tests.harness;

import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * gRPC test services with UTF-8 string messages instead of generated protobuf code: the wire protocol (HTTP/2,
 * length-prefixed messages, trailers) is gRPC's own. Servers and channels are plaintext on loopback, the app side and
 * the client side of a sidecar.
 */
public final class StringGrpc {
    private static final MethodDescriptor.Marshaller<String> UTF8 = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(String value) {
            return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public String parse(InputStream stream) {
            try {
                return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };

    private StringGrpc() {
    }

    /** The method {@code service/name} of the given type, with string requests and responses. */
    public static MethodDescriptor<String, String> method(String service, String name,
                                                          MethodDescriptor.MethodType type) {
        return MethodDescriptor.<String, String>newBuilder().setType(type)
                .setFullMethodName(MethodDescriptor.generateFullMethodName(service, name))
                .setRequestMarshaller(UTF8).setResponseMarshaller(UTF8).build();
    }

    /** Serves {@code service} on loopback {@code port} (the app port {@link Mesh#addTestAppWorkload} hands out). */
    public static Server serve(int port, ServerServiceDefinition service) {
        try {
            return NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port)).addService(service).build()
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A plaintext channel to loopback {@code port}, e.g. a client sidecar's {@code --upstream} port. */
    public static ManagedChannel channel(int port) {
        return NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    }
}
