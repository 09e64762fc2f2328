package dev.weft.proxy.h2;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.HttpConversionUtil.ExtensionHeaderNames;
import io.netty.util.AsciiString;

/**
 * Sits after {@link io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec} on a stream channel and keeps the
 * conversion's bookkeeping off the wire: the {@code x-http2-*} headers Netty adds to converted messages are not the
 * peer's headers and must not reach the next hop; a message that came whole (a HEADERS frame ending the stream) is
 * split into head and end like HTTP/1.1 messages arrive. Outbound it restores {@code te: trailers} on gRPC requests: the
 * HTTP/1.1 side strips TE as hop-by-hop, but HTTP/2 gRPC servers expect it (gRPC over HTTP/2 spec).
 */
public final class H2ExtensionHeaders extends ChannelDuplexHandler {
    private static final AsciiString TRAILERS = AsciiString.cached("trailers");
    private static final AsciiString GRPC = AsciiString.cached("application/grpc");

    private HttpRequest bodilessHead;
    private ChannelPromise bodilessHeadPromise;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpMessage message) {
            strip(message.headers());
        }
        if (msg instanceof FullHttpRequest full) {
            // a HEADERS frame that ended the stream: the request path wants the head and the end as two objects
            // (it forwards the head as the next hop's head and the end as its body), never one object twice
            DefaultHttpRequest head = new DefaultHttpRequest(full.protocolVersion(), full.method(), full.uri(),
                    full.headers());
            head.setDecoderResult(full.decoderResult());
            ctx.fireChannelRead(head);
            ctx.fireChannelRead(new DefaultLastHttpContent(full.content(), full.trailingHeaders()));
        } else if (msg instanceof FullHttpResponse full) {
            DefaultHttpResponse head = new DefaultHttpResponse(full.protocolVersion(), full.status(), full.headers());
            ctx.fireChannelRead(head);
            ctx.fireChannelRead(new DefaultLastHttpContent(full.content(), full.trailingHeaders()));
        } else {
            ctx.fireChannelRead(msg);
        }
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (bodilessHead != null && msg instanceof LastHttpContent last && !last.content().isReadable()) {
            // the end of a request without a body: one HEADERS frame with END_STREAM, as HTTP/2 clients send it —
            // otherwise the next hop would see an empty chunked body on a GET
            HttpRequest head = bodilessHead;
            bodilessHead = null;
            ctx.write(new DefaultFullHttpRequest(head.protocolVersion(), head.method(), head.uri(),
                    last.content(), head.headers(), last.trailingHeaders()), promise);
            return;
        }
        if (bodilessHead != null) {
            HttpRequest head = bodilessHead; // not what it announced: send the head as it is after all
            bodilessHead = null;
            ctx.write(head, bodilessHeadPromise);
        }
        if (msg instanceof HttpRequest request && !(msg instanceof LastHttpContent)
                && !HttpUtil.isTransferEncodingChunked(request) && HttpUtil.getContentLength(request, 0L) == 0) {
            prepare(request);
            bodilessHead = request;
            bodilessHeadPromise = promise;
            return;
        }
        if (msg instanceof HttpRequest request) {
            prepare(request);
        } else if (msg instanceof HttpMessage message) {
            strip(message.headers());
        }
        ctx.write(msg, promise);
    }

    private static void prepare(HttpRequest request) {
        HttpHeaders headers = request.headers();
        strip(headers);
        String contentType = headers.get(HttpHeaderNames.CONTENT_TYPE);
        if (contentType != null && GRPC.regionMatches(true, 0, contentType, 0, GRPC.length())) {
            headers.set(HttpHeaderNames.TE, TRAILERS);
        }
    }

    static void strip(HttpHeaders headers) {
        for (ExtensionHeaderNames name : ExtensionHeaderNames.values()) {
            headers.remove(name.text());
        }
    }
}
