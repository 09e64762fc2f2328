package dev.weft.proxy.h2;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.HttpConversionUtil.ExtensionHeaderNames;
import io.netty.util.AsciiString;

/**
 * Sits after {@link io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec} on a stream channel and keeps
 * HTTP/1.1-shaped messages and HTTP/2 framing in step:
 * <ul>
 *   <li>inbound, the {@code x-http2-*} headers Netty adds while converting are removed (they are not the peer's and
 *       must not reach the next hop), and a message that came whole (a HEADERS frame ending the stream) is split into
 *       head and end, the way HTTP/1.1 messages arrive;</li>
 *   <li>outbound, a head whose end follows at once with nothing in between — a request without a body, a gRPC
 *       trailers-only response (its head carries {@code grpc-status}) — goes out as one HEADERS frame with
 *       END_STREAM, and gRPC requests get back the {@code te: trailers} the HTTP/1.1 side stripped as hop-by-hop.</li>
 * </ul>
 */
public final class H2ExtensionHeaders extends ChannelDuplexHandler {
    private static final AsciiString TRAILERS = AsciiString.cached("trailers");
    /** Once, not an enum array copy per message. */
    private static final ExtensionHeaderNames[] EXTENSION_HEADERS = ExtensionHeaderNames.values();
    private static final AsciiString GRPC = AsciiString.cached("application/grpc");

    private static final AsciiString GRPC_STATUS = AsciiString.cached("grpc-status");

    /** A head written without its end yet, held to go out together with an empty end. */
    private HttpMessage heldHead;
    private ChannelPromise heldHeadPromise;

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
        if (heldHead != null) {
            HttpMessage head = heldHead;
            ChannelPromise headPromise = heldHeadPromise;
            heldHead = null;
            heldHeadPromise = null;
            if (msg instanceof LastHttpContent last && !last.content().isReadable()) {
                // head and end together: one HEADERS frame with END_STREAM (plus trailers if any)
                ctx.write(whole(head, last), promise);
                headPromise.trySuccess();
                return;
            }
            ctx.write(head, headPromise); // a body follows after all: the head goes as it is
        }
        if (msg instanceof HttpRequest request && !(msg instanceof LastHttpContent)) {
            prepare(request);
            if (!HttpUtil.isTransferEncodingChunked(request) && HttpUtil.getContentLength(request, 0L) == 0) {
                // a request without a body: send it as HTTP/2 clients do, not as an empty chunked body on a GET
                hold(request, promise);
                return;
            }
        } else if (msg instanceof HttpResponse response && !(msg instanceof LastHttpContent)) {
            strip(response.headers());
            if (response.headers().contains(GRPC_STATUS)) {
                // gRPC "trailers-only": the status is in the head and nothing follows; it must stay one frame,
                // or the client finds no trailers after the (empty) body
                hold(response, promise);
                return;
            }
        } else if (msg instanceof HttpMessage message) {
            strip(message.headers());
        }
        ctx.write(msg, promise);
    }

    private void hold(HttpMessage head, ChannelPromise promise) {
        heldHead = head;
        heldHeadPromise = promise;
    }

    private static Object whole(HttpMessage head, LastHttpContent last) {
        if (head instanceof HttpRequest r) {
            return new DefaultFullHttpRequest(r.protocolVersion(), r.method(), r.uri(), last.content(), r.headers(),
                    last.trailingHeaders());
        }
        HttpResponse r = (HttpResponse) head;
        return new DefaultFullHttpResponse(r.protocolVersion(), r.status(), last.content(), r.headers(),
                last.trailingHeaders());
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        ctx.flush(); // a held head waits for its end, which the request path writes right after it
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
        for (ExtensionHeaderNames name : EXTENSION_HEADERS) {
            headers.remove(name.text());
        }
    }
}
