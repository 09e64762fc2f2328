package dev.weft.proxy.h2;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.util.function.Supplier;

/**
 * Turns a downstream connection into an HTTP/2 server connection: frame codec, stream multiplexer, and per stream
 * the HTTP object conversion plus a handler from {@code streamHandler} (a {@code DownstreamHandler}). Streams read
 * manually like HTTP/1.1 connections do; the connection itself reads continuously, since each stream's window bounds
 * what it may buffer.
 */
public final class H2ServerPipeline {
    /** Streams one client may have open at once (gRPC's and Envoy's defaults are unlimited or 2^31-1). */
    static final long MAX_CONCURRENT_STREAMS = 1024;

    private H2ServerPipeline() {}

    /** Installs the HTTP/2 handlers at the end of {@code pipeline}. */
    public static void install(ChannelPipeline pipeline, Supplier<ChannelHandler> streamHandler) {
        Http2FrameCodec codec = Http2FrameCodecBuilder.forServer()
                .initialSettings(H2Windows.settings().maxConcurrentStreams(MAX_CONCURRENT_STREAMS))
                .validateHeaders(true)
                .headerSensitivityDetector(H2HeaderIndexing.INSTANCE)
                .build();
        pipeline.channel().config().setAutoRead(true);
        pipeline.addLast(codec, new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
            @Override
            protected void initChannel(Http2StreamChannel ch) {
                ch.config().setAutoRead(false);
                ch.pipeline().addLast(H2StreamCodec.server(), streamHandler.get());
            }
        }), new ConnectionEvents(codec));
        H2Windows.widenConnectionWindow(codec);
    }

    /** Frames that reach the connection (settings, pings, GOAWAY) end here; idle with no streams closes it. */
    private static final class ConnectionEvents extends ChannelInboundHandlerAdapter {
        private final Http2FrameCodec codec;

        ConnectionEvents(Http2FrameCodec codec) {
            this.codec = codec;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof IdleStateEvent && codec.connection().numActiveStreams() == 0) {
                ctx.close();
            } else {
                ReferenceCountUtil.release(evt);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
