package dev.weft.proxy.listener;

import dev.weft.dataplane.config.ProtocolDetection;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The first handler of a listener whose port has no declared protocol (Envoy's {@code http_inspector} listener
 * filter): it reads the client's first bytes and hands the connection to HTTP when they are an HTTP/1.x request line
 * ({@code http/1.1}, {@code http/1.0}) or the HTTP/2 preface ({@code h2c}) and the listener's HTTP chain takes that
 * protocol, else to the TCP proxy. A client that sends nothing within the detection timeout — a server-first protocol
 * (SMTP, MySQL) waiting for the server's banner — goes to the TCP proxy too (or is closed, if the listener says so), so
 * such a protocol is delayed by the timeout, never blocked.
 */
final class HttpInspector extends ByteToMessageDecoder {
    /** Longest request line waited for; beyond it without a line end the bytes are not HTTP/1.x (Weft's codec limit). */
    static final int MAX_REQUEST_LINE = 8192;
    private static final ByteBuf PREFACE = Http2CodecUtil.connectionPrefaceBuf();
    private static final byte[] VERSION = "HTTP/1.".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    /** Not decided yet: more bytes are needed. */
    static final String UNDECIDED = null;
    /** Not HTTP: what Envoy's inspector leaves as no application protocol. */
    static final String OPAQUE = "";

    private final ProtocolDetection detection;
    private final Consumer<ChannelHandlerContext> http1;
    private final Consumer<ChannelHandlerContext> http2;
    private final Consumer<ChannelHandlerContext> tcp;
    private ScheduledFuture<?> timer;
    private boolean decided;

    /** Each installer adds its handlers after this one, which then removes itself, passing the bytes read on. */
    HttpInspector(ProtocolDetection detection, Consumer<ChannelHandlerContext> http1,
                  Consumer<ChannelHandlerContext> http2, Consumer<ChannelHandlerContext> tcp) {
        this.detection = detection;
        this.http1 = http1;
        this.http2 = http2;
        this.tcp = tcp;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        long millis = detection.timeout().toMillis();
        if (millis > 0) {
            timer = ctx.executor().schedule(() -> onTimeout(ctx), millis, TimeUnit.MILLISECONDS);
        }
        ctx.read(); // auto-read is off: ask for the first bytes
    }

    private void onTimeout(ChannelHandlerContext ctx) {
        timer = null;
        if (decided || ctx.isRemoved()) {
            return;
        }
        if (detection.continueOnTimeout()) {
            hand(ctx, OPAQUE); // nothing (or nothing conclusive) came: the TCP chain, with whatever was read
        } else {
            decided = true;
            ctx.close();
        }
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (decided) {
            return;
        }
        String protocol = inspect(in);
        if (protocol != UNDECIDED) {
            hand(ctx, protocol);
        }
        // else: ByteToMessageDecoder reads again since nothing was produced
    }

    @Override
    protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (!decided) {
            String protocol = inspect(in);
            hand(ctx, protocol == UNDECIDED ? OPAQUE : protocol); // EOF: no more bytes will come to decide on
        }
    }

    private void hand(ChannelHandlerContext ctx, String protocol) {
        decided = true;
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
        boolean http = !protocol.isEmpty() && detection.httpProtocols().contains(protocol);
        if (http && protocol.equals("h2c")) {
            http2.accept(ctx);
        } else if (http) {
            http1.accept(ctx);
        } else {
            tcp.accept(ctx);
        }
        ctx.pipeline().remove(this);
    }

    @Override
    public void handlerRemoved0(ChannelHandlerContext ctx) {
        if (timer != null) {
            timer.cancel(false);
        }
    }

    /**
     * {@code h2c} when the bytes are the HTTP/2 preface, {@code http/1.1} / {@code http/1.0} for a request line
     * ({@code METHOD SP target SP HTTP/1.x CRLF}), {@link #OPAQUE} as soon as they cannot be either, {@link #UNDECIDED}
     * while they still could.
     */
    static String inspect(ByteBuf in) {
        int base = in.readerIndex();
        int n = in.readableBytes();
        int prefaceLength = PREFACE.readableBytes();
        boolean preface = true;
        for (int i = 0; i < Math.min(n, prefaceLength) && preface; i++) {
            preface = in.getByte(base + i) == PREFACE.getByte(PREFACE.readerIndex() + i);
        }
        if (preface) {
            return n >= prefaceLength ? "h2c" : UNDECIDED;
        }
        int i = 0;
        while (i < n && isMethodChar(in.getByte(base + i))) {
            i++;
        }
        if (i == n) {
            return i > 32 ? OPAQUE : UNDECIDED;
        }
        if (i == 0 || in.getByte(base + i) != ' ') {
            return OPAQUE;
        }
        int target = ++i;
        while (i < n && in.getByte(base + i) > 0x20 && in.getByte(base + i) < 0x7f) {
            i++;
        }
        if (i == n) {
            return n > MAX_REQUEST_LINE ? OPAQUE : UNDECIDED;
        }
        if (i == target || in.getByte(base + i) != ' ') {
            return OPAQUE;
        }
        i++;
        for (byte v : VERSION) {
            if (i == n) {
                return UNDECIDED;
            }
            if (in.getByte(base + i++) != v) {
                return OPAQUE;
            }
        }
        if (i == n) {
            return UNDECIDED;
        }
        byte minor = in.getByte(base + i++);
        if (minor != '0' && minor != '1') {
            return OPAQUE;
        }
        if (i < n && in.getByte(base + i) == '\r') {
            i++;
        }
        if (i == n) {
            return UNDECIDED;
        }
        return in.getByte(base + i) == '\n' ? (minor == '1' ? "http/1.1" : "http/1.0") : OPAQUE;
    }

    /** A method's characters (RFC 9110 token characters, without the rare punctuation). */
    private static boolean isMethodChar(byte b) {
        return b >= 'A' && b <= 'Z' || b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || b == '-' || b == '_';
    }
}
