package dev.weft.proxy.h2;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.util.AsciiString;

/**
 * The HTTP/2 ⇄ HTTP/1.1-message conversion of one stream channel, so the request path handles a stream like an
 * HTTP/1.1 connection carrying one request. One handler in place of Netty's object codec plus a fix-up handler:
 * <ul>
 *   <li>inbound, a HEADERS frame becomes a request head (server) or response head (client) and, when it ends the
 *       stream, is followed by an empty end — head and end always arrive as two messages, the way HTTP/1.1 ones do; a
 *       HEADERS frame after the head is the trailers; DATA frames become body parts, their buffers handed on as they
 *       are. A request body without a length is marked chunked, as the HTTP/1.1 next hop needs;</li>
 *   <li>outbound, a head whose end follows at once with nothing in between — a request without a body, a gRPC
 *       trailers-only response (its head carries {@code grpc-status}) — goes out as one HEADERS frame with
 *       END_STREAM; gRPC requests get the {@code te: trailers} the HTTP/1.1 side stripped as hop-by-hop.</li>
 * </ul>
 * Not sharable: it remembers a held head and whether the head was seen.
 */
public final class H2StreamCodec extends ChannelDuplexHandler {
    private static final AsciiString HTTP = AsciiString.cached("http");
    private static final AsciiString HTTPS = AsciiString.cached("https");
    private static final AsciiString GRPC_STATUS = AsciiString.cached("grpc-status");

    /** The scheme of requests this client stream sends ({@code http}/{@code https}); null on a server stream. */
    private final AsciiString scheme;
    /** The peer's head (not an informational one) arrived: a further HEADERS frame is the trailers. */
    private boolean headSeen;
    /** A head written without its end yet, held to go out together with an empty end. */
    private Http2Headers heldHead;
    private ChannelPromise heldHeadPromise;

    private H2StreamCodec(AsciiString scheme) {
        this.scheme = scheme;
    }

    /** For a stream of a downstream (server) connection: requests in, responses out. */
    public static H2StreamCodec server() {
        return new H2StreamCodec(null);
    }

    /** For a stream of an upstream (client) connection: requests out with {@code scheme}, responses in. */
    public static H2StreamCodec client(boolean tls) {
        return new H2StreamCodec(tls ? HTTPS : HTTP);
    }

    // ---- inbound

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof Http2HeadersFrame frame) {
            onHeaders(ctx, frame);
        } else if (msg instanceof Http2DataFrame frame) {
            // the frame and its content share one reference count: the content goes on, the frame is not released;
            // an end without trailers gets the shared empty map, not a header map of its own per stream
            ctx.fireChannelRead(frame.isEndStream()
                    ? new DefaultLastHttpContent(frame.content(), EmptyHttpHeaders.INSTANCE)
                    : new DefaultHttpContent(frame.content()));
        } else {
            ctx.fireChannelRead(msg);
        }
    }

    private void onHeaders(ChannelHandlerContext ctx, Http2HeadersFrame frame) {
        Http2Headers headers = frame.headers();
        if (headSeen) {
            LastHttpContent trailers = new DefaultLastHttpContent(Unpooled.EMPTY_BUFFER,
                    H2HeaderConversion.toHttp1(headers, null));
            ctx.fireChannelRead(trailers);
            return;
        }
        boolean informational = false;
        HttpMessage head;
        if (scheme == null) {
            head = request(headers, frame.isEndStream());
        } else {
            HttpResponseStatus status = status(headers.status());
            informational = status.codeClass() == HttpStatusClass.INFORMATIONAL && status.code() != 101;
            head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, status, H2HeaderConversion.toHttp1(headers, null));
        }
        headSeen = !informational;
        ctx.fireChannelRead(head);
        if (frame.isEndStream() || informational) {
            // the request path takes a head and its end as two messages (an informational head is complete as it is)
            ctx.fireChannelRead(LastHttpContent.EMPTY_LAST_CONTENT);
        }
    }

    private static HttpRequest request(Http2Headers headers, boolean endStream) {
        CharSequence method = headers.method();
        CharSequence path = headers.path();
        if (method == null || path == null) {
            // the frame codec lets through what HTTP/2 allows; a request without these cannot be routed: 400
            DefaultHttpRequest bad = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/",
                    H2HeaderConversion.newHttpHeaders());
            bad.setDecoderResult(DecoderResult.failure(new IllegalArgumentException(
                    "HTTP/2 request without :method or :path")));
            return bad;
        }
        HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, H2HeaderConversion.method(method),
                path.toString(), H2HeaderConversion.toHttp1(headers, headers.authority()));
        if (!endStream && !request.headers().contains(HttpHeaderNames.CONTENT_LENGTH)) {
            request.headers().add(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED); // framing for HTTP/1.1
        }
        return request;
    }

    private static HttpResponseStatus status(CharSequence status) {
        if (status == null) {
            return HttpResponseStatus.BAD_GATEWAY; // a response head without :status: the upstream broke HTTP/2
        }
        try {
            return HttpResponseStatus.parseLine(status);
        } catch (IllegalArgumentException e) {
            return HttpResponseStatus.BAD_GATEWAY;
        }
    }

    // ---- outbound

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (heldHead != null) {
            Http2Headers head = heldHead;
            ChannelPromise headPromise = heldHeadPromise;
            heldHead = null;
            heldHeadPromise = null;
            if (msg instanceof LastHttpContent last && !(msg instanceof HttpMessage) && !last.content().isReadable()) {
                HttpHeaders trailers = last.trailingHeaders();
                last.release();
                if (trailers.isEmpty()) {
                    ctx.write(new DefaultHttp2HeadersFrame(head, true), promise); // head and end: one frame
                    headPromise.trySuccess();
                } else {
                    ctx.write(new DefaultHttp2HeadersFrame(head, false), headPromise);
                    ctx.write(new DefaultHttp2HeadersFrame(H2HeaderConversion.trailersToHttp2(trailers), true), promise);
                }
                return;
            }
            ctx.write(new DefaultHttp2HeadersFrame(head, false), headPromise); // a body follows after all
        }
        if (msg instanceof HttpMessage message) {
            writeHead(ctx, message, promise);
        } else if (msg instanceof LastHttpContent last) {
            writeEnd(ctx, last, promise);
        } else if (msg instanceof HttpContent content) {
            ctx.write(new DefaultHttp2DataFrame(content.content(), false), promise);
        } else {
            ctx.write(msg, promise);
        }
    }

    private void writeHead(ChannelHandlerContext ctx, HttpMessage message, ChannelPromise promise) {
        Http2Headers headers;
        boolean holdable;
        if (message instanceof HttpRequest request) {
            headers = H2HeaderConversion.requestToHttp2(request.method(), request.uri(), request.headers(),
                    scheme != null ? scheme : HTTP);
            // a request without a body goes as HTTP/2 clients send it, not as an empty DATA frame after a GET
            holdable = !HttpUtil.isTransferEncodingChunked(request) && HttpUtil.getContentLength(request, 0L) == 0;
        } else {
            HttpResponse response = (HttpResponse) message;
            HttpResponseStatus status = response.status();
            headers = H2HeaderConversion.responseToHttp2(status, response.headers());
            if (status.codeClass() == HttpStatusClass.INFORMATIONAL && status.code() != 101) {
                ctx.write(new DefaultHttp2HeadersFrame(headers, false), promise); // 100 Continue: never ends the stream
                if (message instanceof LastHttpContent whole) {
                    whole.release();
                }
                return;
            }
            // gRPC "trailers-only": the status is in the head and nothing follows; it must stay one frame, or the
            // client finds no trailers after the (empty) body
            holdable = response.headers().contains(GRPC_STATUS);
        }
        if (message instanceof LastHttpContent whole) { // a whole message (local replies)
            if (!whole.content().isReadable() && whole.trailingHeaders().isEmpty()) {
                whole.release();
                ctx.write(new DefaultHttp2HeadersFrame(headers, true), promise);
                return;
            }
            ctx.write(new DefaultHttp2HeadersFrame(headers, false), ctx.voidPromise());
            writeEnd(ctx, whole, promise);
        } else if (holdable) {
            heldHead = headers;
            heldHeadPromise = promise;
        } else {
            ctx.write(new DefaultHttp2HeadersFrame(headers, false), promise);
        }
    }

    /** The body's end: its last bytes with END_STREAM, or (with trailers) the bytes, then the trailers ending it. */
    private static void writeEnd(ChannelHandlerContext ctx, LastHttpContent last, ChannelPromise promise) {
        HttpHeaders trailers = last.trailingHeaders();
        if (trailers.isEmpty()) {
            ctx.write(new DefaultHttp2DataFrame(last.content(), true), promise);
            return;
        }
        if (last.content().isReadable()) {
            ctx.write(new DefaultHttp2DataFrame(last.content(), false), ctx.voidPromise());
        } else {
            last.release();
        }
        ctx.write(new DefaultHttp2HeadersFrame(H2HeaderConversion.trailersToHttp2(trailers), true), promise);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (heldHeadPromise != null) {
            if (!heldHeadPromise.isVoid()) {
                heldHeadPromise.tryFailure(new java.nio.channels.ClosedChannelException()); // its stream closed
            }
            heldHead = null;
            heldHeadPromise = null;
        }
    }
}
