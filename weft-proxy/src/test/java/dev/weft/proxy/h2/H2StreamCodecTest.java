package dev.weft.proxy.h2;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** What crosses the conversion between HTTP/2 frames and the request path's HTTP/1.1-shaped messages. */
class H2StreamCodecTest {

    @Test
    void aServerStreamTurnsRequestHeadersIntoAHeadAndAnEnd() {
        EmbeddedChannel ch = new EmbeddedChannel(H2StreamCodec.server());
        Http2Headers in = new DefaultHttp2Headers().method("GET").path("/a?b=c").scheme("http").authority("reviews:9080");
        in.add("cookie", "a=1");
        in.add("cookie", "b=2");
        in.add("x-custom", "v");
        ch.writeInbound(new DefaultHttp2HeadersFrame(in, true));

        HttpRequest head = ch.readInbound();
        assertThat(head.method()).isEqualTo(HttpMethod.GET);
        assertThat(head.uri()).isEqualTo("/a?b=c");
        assertThat(head.headers().get("host")).isEqualTo("reviews:9080");
        assertThat(head.headers().getAll("cookie")).containsExactly("a=1; b=2");
        assertThat(head.headers().get("x-custom")).isEqualTo("v");
        assertThat(head.headers().names()).noneMatch(n -> n.startsWith(":") || n.startsWith("x-http2"));
        assertThat(head.headers().contains("transfer-encoding")).as("no body follows").isFalse();
        assertThat((Object) ch.readInbound()).isInstanceOf(LastHttpContent.class);
        assertThat((Object) ch.readInbound()).isNull();
    }

    @Test
    void aRequestBodyWithoutLengthIsChunkedAndItsTrailersArriveAtTheEnd() {
        EmbeddedChannel ch = new EmbeddedChannel(H2StreamCodec.server());
        ch.writeInbound(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().method("POST").path("/p")
                .scheme("http").authority("svc"), false));
        ch.writeInbound(new DefaultHttp2DataFrame(Unpooled.copiedBuffer("body", StandardCharsets.US_ASCII), false));
        ch.writeInbound(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().add("grpc-status", "0"), true));

        HttpRequest head = ch.readInbound();
        assertThat(head.headers().get("transfer-encoding")).isEqualTo("chunked");
        HttpContent part = ch.readInbound();
        assertThat(part.content().toString(StandardCharsets.US_ASCII)).isEqualTo("body");
        part.release();
        LastHttpContent end = ch.readInbound();
        assertThat(end.trailingHeaders().get("grpc-status")).isEqualTo("0");
    }

    @Test
    void aClientStreamSendsARequestWithoutBodyAsOneHeadersFrame() {
        EmbeddedChannel ch = new EmbeddedChannel(H2StreamCodec.client(true));
        HttpHeaders headers = new DefaultHttpHeaders();
        headers.add("Host", "reviews:9080");
        headers.add("User-Agent", "curl");
        headers.add("Connection", "keep-alive");
        headers.add("Keep-Alive", "timeout=5");
        headers.add("TE", "gzip, trailers");
        headers.add("X-Weft-Attempt", "1");
        headers.add("x-Mixed-Case", "v");
        ch.writeOutbound(new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/r", headers),
                new DefaultLastHttpContent());

        Http2HeadersFrame frame = ch.readOutbound();
        assertThat(frame.isEndStream()).isTrue();
        Http2Headers out = frame.headers();
        assertThat(out.method().toString()).isEqualTo("GET");
        assertThat(out.path().toString()).isEqualTo("/r");
        assertThat(out.scheme().toString()).isEqualTo("https");
        assertThat(out.authority().toString()).isEqualTo("reviews:9080");
        assertThat(out.get("user-agent").toString()).isEqualTo("curl");
        assertThat(out.get("x-weft-attempt").toString()).isEqualTo("1");
        assertThat(out.get("x-mixed-case").toString()).isEqualTo("v");
        assertThat(out.contains("host")).isFalse();
        assertThat(out.contains("connection")).isFalse();
        assertThat(out.contains("keep-alive")).isFalse();
        assertThat(out.get("te").toString()).as("TE keeps only trailers").isEqualTo("trailers");
        out.names().forEach(n -> assertThat(n.toString()).isEqualTo(n.toString().toLowerCase(java.util.Locale.ROOT)));
        assertThat((Object) ch.readOutbound()).isNull();
    }

    @Test
    void aGrpcRequestGetsTeTrailersAndItsBodyAsDataFrames() {
        EmbeddedChannel ch = new EmbeddedChannel(H2StreamCodec.client(false));
        HttpHeaders headers = new DefaultHttpHeaders();
        headers.add("host", "greeter");
        headers.add("content-type", "application/grpc+proto");
        headers.add("transfer-encoding", "chunked");
        ch.writeOutbound(new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/g.Greeter/Hi", headers),
                new DefaultHttpContent(Unpooled.copiedBuffer("abc", StandardCharsets.US_ASCII)),
                new DefaultLastHttpContent());

        Http2HeadersFrame head = ch.readOutbound();
        assertThat(head.isEndStream()).isFalse();
        assertThat(head.headers().get("te").toString()).isEqualTo("trailers");
        assertThat(head.headers().contains("transfer-encoding")).isFalse();
        Http2DataFrame data = ch.readOutbound();
        assertThat(data.isEndStream()).isFalse();
        data.release();
        Http2DataFrame end = ch.readOutbound();
        assertThat(end.isEndStream()).isTrue();
        end.release();
    }

    @Test
    void responsesComeInAsHeadAndBodyAndGoOutWithTrailers() {
        EmbeddedChannel client = new EmbeddedChannel(H2StreamCodec.client(false));
        client.writeInbound(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status("100"), false));
        client.writeInbound(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status("200")
                .add("content-type", "text/plain"), false));
        client.writeInbound(new DefaultHttp2DataFrame(Unpooled.copiedBuffer("ok", StandardCharsets.US_ASCII), true));
        HttpResponse informational = client.readInbound();
        assertThat(informational.status().code()).isEqualTo(100);
        assertThat((Object) client.readInbound()).as("an informational head is complete").isInstanceOf(LastHttpContent.class);
        HttpResponse head = client.readInbound();
        assertThat(head.status()).isEqualTo(HttpResponseStatus.OK);
        LastHttpContent body = client.readInbound();
        assertThat(body.content().toString(StandardCharsets.US_ASCII)).isEqualTo("ok");
        assertThat(body.trailingHeaders().isEmpty()).isTrue();
        body.release();

        EmbeddedChannel server = new EmbeddedChannel(H2StreamCodec.server());
        HttpHeaders headers = new DefaultHttpHeaders();
        headers.add("content-type", "application/grpc");
        headers.add("transfer-encoding", "chunked");
        LastHttpContent end = new DefaultLastHttpContent(Unpooled.copiedBuffer("m", StandardCharsets.US_ASCII));
        end.trailingHeaders().add("grpc-status", "0");
        server.writeOutbound(new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, headers), end);
        Http2HeadersFrame out = server.readOutbound();
        assertThat(out.headers().status().toString()).isEqualTo("200");
        assertThat(out.isEndStream()).isFalse();
        Http2DataFrame data = server.readOutbound();
        assertThat(data.isEndStream()).isFalse();
        data.release();
        Http2HeadersFrame trailers = server.readOutbound();
        assertThat(trailers.isEndStream()).isTrue();
        assertThat(trailers.headers().get("grpc-status").toString()).isEqualTo("0");
    }

    @Test
    void aGrpcTrailersOnlyResponseIsOneHeadersFrame() {
        EmbeddedChannel ch = new EmbeddedChannel(H2StreamCodec.server());
        HttpHeaders headers = new DefaultHttpHeaders();
        headers.add("content-type", "application/grpc");
        headers.add("grpc-status", "14");
        ch.writeOutbound(new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, headers),
                LastHttpContent.EMPTY_LAST_CONTENT);
        Http2HeadersFrame frame = ch.readOutbound();
        assertThat(frame.isEndStream()).isTrue();
        assertThat(frame.headers().get("grpc-status").toString()).isEqualTo("14");
        assertThat((Object) ch.readOutbound()).isNull();
    }

    @Test
    void headerNamesGoOutInLowerCaseWhateverTheirCase() {
        assertThat(H2HeaderConversion.lowerCaseName("User-Agent").toString()).isEqualTo("user-agent");
        assertThat(H2HeaderConversion.lowerCaseName(io.netty.util.AsciiString.of("X-Weft-Attempt")).toString())
                .isEqualTo("x-weft-attempt");
        assertThat(H2HeaderConversion.lowerCaseName("X-Unknown-Name").toString()).isEqualTo("x-unknown-name");
    }
}
