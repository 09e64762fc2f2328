package dev.weft.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.ServerCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The ratings API over gRPC: service {@code weft.demo.Ratings}, unary method {@code GetRatings}
 * ({@code /weft.demo.Ratings/GetRatings} on the wire). Messages are JSON documents through a marshaller instead of
 * generated protobuf code; everything else — HTTP/2, length-prefixed messages, trailers, status codes — is gRPC's.
 */
public final class RatingsGrpc {
    public static final String SERVICE = "weft.demo.Ratings";

    private static final MethodDescriptor.Marshaller<JsonNode> JSON = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(JsonNode value) {
            try {
                return new ByteArrayInputStream(Json.MAPPER.writeValueAsBytes(value));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public JsonNode parse(InputStream stream) {
            try {
                return Json.MAPPER.readTree(stream);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };

    /** {@code {"id": "0"}} → {@code {"service": "ratings", "version": ..., "id": "0", "ratings": {...}}}. */
    public static final MethodDescriptor<JsonNode, JsonNode> GET_RATINGS = MethodDescriptor.<JsonNode, JsonNode>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY)
            .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, "GetRatings"))
            .setRequestMarshaller(JSON)
            .setResponseMarshaller(JSON)
            .build();

    private RatingsGrpc() {}

    /** The ratings service of one version; {@code served} counts the calls it answered. */
    static ServerServiceDefinition service(String version, AtomicLong served) {
        return ServerServiceDefinition.builder(SERVICE)
                .addMethod(GET_RATINGS, ServerCalls.asyncUnaryCall((request, out) -> {
                    served.incrementAndGet();
                    ObjectNode body = SampleApps.identity("ratings", version);
                    body.put("id", request.path("id").asText());
                    body.putObject("ratings").put("Reviewer1", 5).put("Reviewer2", 4);
                    out.onNext(body);
                    out.onCompleted();
                }))
                .build();
    }

    static ObjectNode request(String id) {
        return Json.MAPPER.createObjectNode().put("id", id);
    }
}
