package dev.weft.bench.jmh;

import dev.weft.proxy.h2.H2StreamCodec;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The HTTP/2 ⇄ HTTP/1.1-message conversion one stream of the sidecar hop costs, without sockets: on the client
 * sidecar a request head goes out as HTTP/2 headers and the response (HEADERS + DATA) comes back as HTTP messages; on
 * the server sidecar the opposite. Headers as the client sidecar really sends them (the request id, trace context and
 * peer metadata it adds). {@code codec}: {@code weft} is {@link H2StreamCodec}; {@code netty} is Netty's
 * {@link Http2StreamFrameToHttpObjectCodec} as used before, without the handler that then stripped its
 * {@code x-http2-*} headers and split whole messages (so it understates the old cost). Run with {@code -prof gc} for
 * bytes allocated per stream.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx512m"})
@State(Scope.Thread)
public class H2StreamConversionBenchmark {
    @Param({"weft", "netty"})
    public String codec;

    private EmbeddedChannel client;
    private EmbeddedChannel server;
    private final ByteBuf body = Unpooled.unreleasableBuffer(Unpooled.directBuffer(13).writeBytes(
            "hello, world\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII)));

    @Setup(Level.Trial)
    public void setUp() {
        client = new EmbeddedChannel(handler(false));
        server = new EmbeddedChannel(handler(true));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        client.finishAndReleaseAll();
        server.finishAndReleaseAll();
    }

    private ChannelHandler handler(boolean isServer) {
        if ("netty".equals(codec)) {
            return new Http2StreamFrameToHttpObjectCodec(isServer, isServer);
        }
        return isServer ? H2StreamCodec.server() : H2StreamCodec.client(false);
    }

    /** Client sidecar: request head (and its empty end) out, response HEADERS + DATA in. */
    @Benchmark
    public int clientStream() {
        HttpHeaders headers = new DefaultHttpHeaders();
        headers.add(HttpHeaderNames.HOST, "bench-backend");
        headers.add(HttpHeaderNames.USER_AGENT, "wrk");
        headers.add("x-forwarded-proto", "http");
        headers.add("x-request-id", "0f8fad5b-d9cb-469f-a165-70867728950e");
        headers.add("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00");
        headers.add("x-weft-attempt", "1");
        headers.add("x-envoy-peer-metadata-id", "sidecar~127.0.0.1~bench-client.default~default.svc.cluster.local");
        headers.add("x-envoy-peer-metadata", "ChAKDkFQUF9DT05UQUlORVJTEgQaAi0tCh4KDUlTVElPX1ZFUlNJT04SDRoLMS4yNC4w");
        client.write(new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/", headers));
        client.writeOneOutbound(new DefaultLastHttpContent());
        client.flushOutbound();
        int frames = drainOutbound(client);
        Http2Headers response = new DefaultHttp2Headers().status("200");
        response.add("content-type", "text/plain");
        response.add("x-bench-backend", "1");
        response.add("content-length", "13");
        client.writeInbound(new DefaultHttp2HeadersFrame(response, false), new DefaultHttp2DataFrame(body.duplicate(),
                true));
        return frames + drainInbound(client);
    }

    /** Server sidecar: request HEADERS (ending the stream) in, response head + body out. */
    @Benchmark
    public int serverStream() {
        Http2Headers request = new DefaultHttp2Headers().method("GET").path("/").scheme("http")
                .authority("bench-backend");
        request.add("user-agent", "wrk");
        request.add("x-forwarded-proto", "http");
        request.add("x-request-id", "0f8fad5b-d9cb-469f-a165-70867728950e");
        request.add("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00");
        request.add("x-weft-attempt", "1");
        request.add("x-envoy-peer-metadata-id", "sidecar~127.0.0.1~bench-client.default~default.svc.cluster.local");
        request.add("x-envoy-peer-metadata", "ChAKDkFQUF9DT05UQUlORVJTEgQaAi0tCh4KDUlTVElPX1ZFUlNJT04SDRoLMS4yNC4w");
        server.writeInbound(new DefaultHttp2HeadersFrame(request, true));
        int messages = drainInbound(server);
        HttpHeaders headers = new DefaultHttpHeaders();
        headers.add(HttpHeaderNames.CONTENT_TYPE, "text/plain");
        headers.add("x-bench-backend", "1");
        headers.add(HttpHeaderNames.CONTENT_LENGTH, "13");
        server.write(new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, headers));
        server.writeOneOutbound(new DefaultLastHttpContent(body.duplicate()));
        server.flushOutbound();
        return messages + drainOutbound(server);
    }

    private static int drainInbound(EmbeddedChannel ch) {
        int n = 0;
        Object msg;
        while ((msg = ch.readInbound()) != null) {
            ReferenceCountUtil.release(msg);
            n++;
        }
        return n;
    }

    private static int drainOutbound(EmbeddedChannel ch) {
        int n = 0;
        Object msg;
        while ((msg = ch.readOutbound()) != null) {
            ReferenceCountUtil.release(msg);
            n++;
        }
        return n;
    }
}
