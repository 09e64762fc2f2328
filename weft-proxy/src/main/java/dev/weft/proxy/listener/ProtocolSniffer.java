package dev.weft.proxy.listener;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http2.Http2CodecUtil;
import java.util.List;
import java.util.function.Consumer;

/**
 * The first handler of a listener that accepts HTTP/1.1 and HTTP/2 with prior knowledge (h2c) on one port: it looks
 * at the first bytes the client sends, compares them with the 24-byte HTTP/2 connection preface, and replaces itself
 * with the matching pipeline. It waits only as long as the bytes so far are a prefix of the preface, so an HTTP/1.1
 * request is recognised on its first byte ({@code P} of {@code PRI} aside: {@code POST}, {@code PUT}, {@code PATCH}
 * differ by the second or third byte).
 */
final class ProtocolSniffer extends ByteToMessageDecoder {
    private static final ByteBuf PREFACE = Http2CodecUtil.connectionPrefaceBuf();

    private final Consumer<ChannelHandlerContext> http1;
    private final Consumer<ChannelHandlerContext> http2;

    /** Each installer adds its handlers after the sniffer; the sniffer then removes itself, passing the bytes on. */
    ProtocolSniffer(Consumer<ChannelHandlerContext> http1, Consumer<ChannelHandlerContext> http2) {
        this.http1 = http1;
        this.http2 = http2;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ctx.read(); // auto-read is off: ask for the first bytes
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        int n = Math.min(in.readableBytes(), PREFACE.readableBytes());
        for (int i = 0; i < n; i++) {
            if (in.getByte(in.readerIndex() + i) != PREFACE.getByte(PREFACE.readerIndex() + i)) {
                http1.accept(ctx);
                ctx.pipeline().remove(this);
                return;
            }
        }
        if (n == PREFACE.readableBytes()) {
            http2.accept(ctx);
            ctx.pipeline().remove(this);
        }
        // else: a prefix of the preface so far; ByteToMessageDecoder reads again since nothing was produced
    }
}
