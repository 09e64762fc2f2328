package dev.weft.proxy.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class GrpcRequestsTest {
    @Test
    void readsGrpcTimeoutInEveryUnit() {
        assertThat(GrpcRequests.timeoutMillis("2H")).isEqualTo(7_200_000);
        assertThat(GrpcRequests.timeoutMillis("3M")).isEqualTo(180_000);
        assertThat(GrpcRequests.timeoutMillis("5S")).isEqualTo(5_000);
        assertThat(GrpcRequests.timeoutMillis("250m")).isEqualTo(250);
        assertThat(GrpcRequests.timeoutMillis("1500u")).isEqualTo(1);
        assertThat(GrpcRequests.timeoutMillis("99999999n")).isEqualTo(99);
        assertThat(GrpcRequests.timeoutMillis("1n")).isEqualTo(1); // a deadline is never rounded away to "none"
    }

    @Test
    void writesTheRemainingTimeAsGrpcTimeoutAndReadsStatusesFromAHead() {
        assertThat(GrpcRequests.timeoutHeader(299)).isEqualTo("299m");
        assertThat(GrpcRequests.timeoutMillis(GrpcRequests.timeoutHeader(299))).isEqualTo(299);
        assertThat(GrpcRequests.timeoutHeader(0)).isEqualTo("1m");
        assertThat(GrpcRequests.timeoutHeader(200_000_000L)).isEqualTo("200000S"); // at most 8 digits
        io.netty.handler.codec.http.HttpHeaders head = new io.netty.handler.codec.http.DefaultHttpHeaders();
        assertThat(GrpcRequests.status(head)).isEqualTo(-1);
        head.set("grpc-status", "14");
        assertThat(GrpcRequests.status(head)).isEqualTo(14);
        head.set("grpc-status", "x");
        assertThat(GrpcRequests.status(head)).isEqualTo(-1);
        assertThat(GrpcRequests.httpStatusForOutlierDetection(14)).isEqualTo(503);
        assertThat(GrpcRequests.httpStatusForOutlierDetection(0)).isEqualTo(200);
        assertThat(GrpcRequests.httpStatusForOutlierDetection(4)).isEqualTo(504);
    }

    @Test
    void ignoresMalformedTimeouts() {
        assertThat(GrpcRequests.timeoutMillis(null)).isZero();
        assertThat(GrpcRequests.timeoutMillis("S")).isZero();
        assertThat(GrpcRequests.timeoutMillis("10x")).isZero();
        assertThat(GrpcRequests.timeoutMillis("-1S")).isZero();
        assertThat(GrpcRequests.timeoutMillis("123456789S")).isZero(); // more than 8 digits
    }

    @Test
    void recognisesGrpcContentTypes() {
        assertThat(GrpcRequests.isGrpc(new DefaultHttpHeaders().set("content-type", "application/grpc"))).isTrue();
        assertThat(GrpcRequests.isGrpc(new DefaultHttpHeaders().set("content-type", "application/grpc+proto")))
                .isTrue();
        assertThat(GrpcRequests.isGrpc(new DefaultHttpHeaders().set("content-type", "application/grpc-web")))
                .isFalse();
        assertThat(GrpcRequests.isGrpc(new DefaultHttpHeaders().set("content-type", "application/json"))).isFalse();
        assertThat(GrpcRequests.isGrpc(new DefaultHttpHeaders())).isFalse();
    }

    @Test
    void localRepliesBecomeTrailersOnlyGrpcStatuses() {
        FullHttpResponse reply = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.SERVICE_UNAVAILABLE, Unpooled.copiedBuffer("no healthy upstream\n",
                StandardCharsets.UTF_8));
        reply.headers().set("x-weft-response-flags", "UH").set("content-type", "text/plain");
        FullHttpResponse grpc = GrpcLocalReply.trailersOnly(reply, "no healthy upstream 100%\n");
        assertThat(reply.refCnt()).isZero();
        assertThat(grpc.status().code()).isEqualTo(200);
        assertThat(grpc.content().readableBytes()).isZero();
        assertThat(grpc.headers().get("content-type")).isEqualTo("application/grpc");
        assertThat(grpc.headers().get("grpc-status")).isEqualTo("14");
        assertThat(grpc.headers().get("grpc-message")).isEqualTo("no healthy upstream 100%25");
        assertThat(grpc.headers().get("x-weft-response-flags")).isEqualTo("UH");
        assertThat(GrpcLocalReply.grpcStatus(504)).isEqualTo(4);
        assertThat(GrpcLocalReply.grpcStatus(404)).isEqualTo(12);
        assertThat(GrpcLocalReply.percentEncode("héllo")).isEqualTo("h%C3%A9llo");
    }
}
