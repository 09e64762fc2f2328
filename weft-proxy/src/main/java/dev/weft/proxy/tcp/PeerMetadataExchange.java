package dev.weft.proxy.tcp;

import dev.weft.dataplane.telemetry.PeerMetadataCodec;
import dev.weft.dataplane.telemetry.Workload;
import dev.weft.proxy.tls.InboundTlsSniffer;
import dev.weft.proxy.tls.MeshTlsContexts;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.PendingWriteQueue;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TCP metadata exchange between Weft sidecars, so both ends of a TCP-proxied mesh connection can label their
 * metrics with the peer's workload (HTTP carries it in headers; a byte stream has no place for it). It works as
 * Istio's {@code istio-peer-exchange} does: the client sidecar offers ALPN {@link MeshTlsContexts#PEER_EXCHANGE_ALPN}
 * on the mesh mTLS handshake; when the server sidecar selects it, each side writes one frame before any payload
 * byte and reads the other's frame off the start of the stream:
 * <pre>
 *   magic 0x57465831 ("WFX1", 4 bytes) | length (4 bytes, big-endian, at most 64 KiB) | serialized google.protobuf.Struct
 * </pre>
 * with Istio's node metadata keys ({@link PeerMetadataCodec#struct}). Without that ALPN (plaintext, or a peer that is
 * not a Weft TCP sidecar) nothing is added to the stream and the peer is {@link Workload#UNKNOWN_WORKLOAD}.
 *
 * <p>Sits right after the TLS handler. Payload written before our frame is out is held back (in order, with its
 * promises); the peer's frame is taken off the inbound bytes and the rest passed on, then the handler removes itself.
 * A negotiated exchange whose frame is malformed closes the connection: the stream's start cannot be trusted.
 */
public final class PeerMetadataExchange extends ChannelDuplexHandler {
    private static final Logger LOG = LoggerFactory.getLogger(PeerMetadataExchange.class);
    static final int MAGIC = 0x57465831;
    static final int HEADER_BYTES = 8;
    static final int MAX_FRAME_BYTES = 64 * 1024;

    private enum State { AWAIT_HANDSHAKE, AWAIT_PEER_FRAME, DONE }

    private final byte[] selfFrame;
    private final Consumer<Workload> onPeer;
    private State state = State.AWAIT_HANDSHAKE;
    private PendingWriteQueue held;
    private ByteBuf cumulation;

    /**
     * @param selfStruct this workload's metadata ({@code ProxyTelemetry.selfStruct()})
     * @param onPeer     called once, on the event loop, with the peer's workload (unknown when there was no exchange)
     */
    public PeerMetadataExchange(byte[] selfStruct, Consumer<Workload> onPeer) {
        this.selfFrame = frame(selfStruct);
        this.onPeer = onPeer;
    }

    static byte[] frame(byte[] struct) {
        if (struct.length > MAX_FRAME_BYTES) {
            throw new IllegalArgumentException("workload metadata too large for the exchange: " + struct.length + " bytes");
        }
        byte[] frame = new byte[HEADER_BYTES + struct.length];
        ByteBuf b = Unpooled.wrappedBuffer(frame);
        b.writerIndex(0);
        b.writeInt(MAGIC).writeInt(struct.length).writeBytes(struct);
        return frame;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        held = new PendingWriteQueue(ctx);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof SslHandshakeCompletionEvent done && state == State.AWAIT_HANDSHAKE && done.isSuccess()) {
            SslHandler ssl = ctx.pipeline().get(SslHandler.class);
            if (ssl != null && MeshTlsContexts.PEER_EXCHANGE_ALPN.equals(ssl.applicationProtocol())) {
                state = State.AWAIT_PEER_FRAME;
                ctx.write(Unpooled.wrappedBuffer(selfFrame), ctx.voidPromise());
                releaseHeld(ctx);
                // both sides wait for the other's frame before relaying: ours must leave now, not with the next
                // payload flush (flushes swallowed while the handshake ran are owed too)
                ctx.flush();
                if (!ctx.channel().config().isAutoRead()) {
                    ctx.read(); // the peer's frame must come in even before the relay starts reading
                }
            } else {
                finish(ctx, Workload.UNKNOWN_WORKLOAD);
            }
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (state == State.AWAIT_HANDSHAKE) {
            if (plaintext(ctx)) {
                finish(ctx, Workload.UNKNOWN_WORKLOAD); // PERMISSIVE plaintext: no exchange, nothing to hold
                ctx.write(msg, promise);
            } else {
                held.add(msg, promise); // our frame goes first
            }
            return;
        }
        ctx.write(msg, promise);
    }

    /** Inbound only: the TLS sniffer decided on plaintext (no TLS handler, no sniffer left). */
    private static boolean plaintext(ChannelHandlerContext ctx) {
        return ctx.pipeline().get(SslHandler.class) == null && ctx.pipeline().get(InboundTlsSniffer.class) == null;
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        if (state != State.AWAIT_HANDSHAKE) {
            ctx.flush();
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        switch (state) {
            case AWAIT_HANDSHAKE -> { // bytes without a handshake: the inbound side's plaintext
                finish(ctx, Workload.UNKNOWN_WORKLOAD);
                ctx.fireChannelRead(msg);
            }
            case AWAIT_PEER_FRAME -> readPeerFrame(ctx, msg);
            case DONE -> ctx.fireChannelRead(msg);
        }
    }

    private void readPeerFrame(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf buf)) {
            ctx.fireChannelRead(msg);
            return;
        }
        // one flat buffer: a peer trickling its frame in tiny TLS records must not build a deep composite
        cumulation = cumulation == null ? buf
                : ByteToMessageDecoder.MERGE_CUMULATOR.cumulate(ctx.alloc(), cumulation, buf);
        if (cumulation.readableBytes() < HEADER_BYTES) {
            readMore(ctx);
            return;
        }
        int magic = cumulation.getInt(cumulation.readerIndex());
        int length = cumulation.getInt(cumulation.readerIndex() + 4);
        if (magic != MAGIC || length < 0 || length > MAX_FRAME_BYTES) {
            LOG.warn("closing a TCP connection from {}: the peer negotiated {} but sent no valid metadata frame",
                    ctx.channel().remoteAddress(), MeshTlsContexts.PEER_EXCHANGE_ALPN);
            releaseCumulation();
            ctx.close();
            return;
        }
        if (cumulation.readableBytes() < HEADER_BYTES + length) {
            readMore(ctx);
            return;
        }
        cumulation.skipBytes(HEADER_BYTES);
        byte[] struct = new byte[length];
        cumulation.readBytes(struct);
        ByteBuf rest = cumulation;
        cumulation = null;
        finish(ctx, PeerMetadataCodec.parseStruct(struct));
        if (rest.isReadable()) {
            ctx.fireChannelRead(rest);
        } else {
            rest.release();
        }
    }

    private static void readMore(ChannelHandlerContext ctx) {
        if (!ctx.channel().config().isAutoRead()) {
            ctx.read();
        }
    }

    private void finish(ChannelHandlerContext ctx, Workload peer) {
        state = State.DONE;
        releaseHeld(ctx);
        ctx.flush();
        onPeer.accept(peer);
        ctx.pipeline().remove(this);
    }

    private void releaseHeld(ChannelHandlerContext ctx) {
        held.removeAndWriteAll();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        releaseCumulation();
        if (state != State.DONE) {
            state = State.DONE;
            held.removeAndFailAll(new java.nio.channels.ClosedChannelException());
            onPeer.accept(Workload.UNKNOWN_WORKLOAD);
        }
        super.channelInactive(ctx);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        releaseCumulation();
    }

    private void releaseCumulation() {
        if (cumulation != null) {
            ReferenceCountUtil.safeRelease(cumulation);
            cumulation = null;
        }
    }
}
