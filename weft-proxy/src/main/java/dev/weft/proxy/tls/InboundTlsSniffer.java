package dev.weft.proxy.tls;

import dev.weft.dataplane.tls.DownstreamTls;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * First handler of an inbound listener with mesh TLS (PeerAuthentication at work): looks at the first record of
 * the connection. A TLS record gets the server {@link SslHandler} of the current workload certificate (so a rotation
 * reaches new connections only); anything else is plaintext — passed on under PERMISSIVE, closed under STRICT.
 */
public final class InboundTlsSniffer extends ByteToMessageDecoder {
    private static final Logger LOG = LoggerFactory.getLogger(InboundTlsSniffer.class);
    /** Bytes needed to tell a TLS record header from plaintext. */
    private static final int RECORD_HEADER = 5;

    private final DownstreamTls config;
    private final MeshTlsProvider provider;

    public InboundTlsSniffer(DownstreamTls config, MeshTlsProvider provider) {
        this.config = config;
        this.provider = provider;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        ctx.read(); // auto-read is off on downstream channels: ask for the first bytes
        super.channelActive(ctx);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (in.readableBytes() < RECORD_HEADER) {
            ctx.read();
            return;
        }
        if (SslHandler.isEncrypted(in, false)) {
            MeshTlsContexts contexts = provider.current();
            if (contexts == null) {
                LOG.warn("closing a TLS connection from {}: this proxy has no workload certificate", ctx.channel().remoteAddress());
                in.skipBytes(in.readableBytes());
                ctx.close();
                return;
            }
            ctx.pipeline().addAfter(ctx.name(), "mesh-tls-peer", new PeerIdentityRecorder());
            ctx.pipeline().addAfter(ctx.name(), "mesh-tls", contexts.server().newHandler(ctx.alloc()));
        } else if (!config.plaintextAllowed()) {
            LOG.debug("closing a plaintext connection from {}: mTLS is STRICT", ctx.channel().remoteAddress());
            in.skipBytes(in.readableBytes());
            ctx.close();
            return;
        }
        ctx.pipeline().remove(this); // the bytes read so far go on to the next handler
    }

    /** Puts the verified client identity (and ours) on the channel for the XFCC header and authorization. */
    static final class PeerIdentityRecorder extends ChannelInboundHandlerAdapter {
        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt instanceof SslHandshakeCompletionEvent done) {
                if (done.isSuccess()) {
                    SslHandler ssl = ctx.pipeline().get(SslHandler.class);
                    var session = ssl.engine().getSession();
                    String peer = PeerIdentity.spiffeId(session);
                    if (peer == null) {
                        LOG.warn("closing mTLS connection from {}: client certificate holds no SPIFFE ID", ctx.channel().remoteAddress());
                        ctx.close();
                        return;
                    }
                    ctx.channel().attr(PeerIdentity.PEER_SPIFFE_ID).set(peer);
                    var local = session.getLocalCertificates();
                    if (local != null && local.length > 0 && local[0] instanceof java.security.cert.X509Certificate x) {
                        ctx.channel().attr(PeerIdentity.LOCAL_SPIFFE_ID).set(PeerIdentity.spiffeId(x));
                    }
                } else {
                    LOG.debug("mTLS handshake from {} failed: {}", ctx.channel().remoteAddress(), done.cause().toString());
                }
                ctx.pipeline().remove(this);
            }
            ctx.fireUserEventTriggered(evt);
        }
    }
}
