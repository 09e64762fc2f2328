package dev.weft.proxy.tls;

import dev.weft.proxy.http.HttpExchange;
import dev.weft.proxy.http.HttpFilter;
import dev.weft.proxy.http.LocalReply;
import io.netty.channel.Channel;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.AsciiString;

/**
 * {@code X-Forwarded-Client-Cert} on inbound listeners with mesh TLS, as Envoy's SANITIZE_SET with the URI detail
 * (what Istio configures): whatever the client sent is dropped, and an mTLS connection's peer is set as
 * {@code By=<our SPIFFE ID>;URI=<peer SPIFFE ID>}. A plaintext (PERMISSIVE) request reaches the app without one.
 */
public final class ClientCertHeaderFilter implements HttpFilter {
    public static final AsciiString XFCC = dev.weft.proxy.http.TrustedHeaderNames.of("x-forwarded-client-cert");
    public static final ClientCertHeaderFilter INSTANCE = new ClientCertHeaderFilter();

    @Override
    public LocalReply onRequest(HttpExchange exchange) {
        var headers = exchange.requestHeaders();
        headers.remove(XFCC);
        String peer = peerIdentity(exchange.downstreamChannel());
        if (peer != null) {
            String local = connection(exchange.downstreamChannel()).attr(PeerIdentity.LOCAL_SPIFFE_ID).get();
            headers.set(XFCC, local == null ? "URI=" + peer : "By=" + local + ";URI=" + peer);
        }
        return null;
    }

    /** The verified SPIFFE ID of the downstream peer, or null for plaintext. */
    public static String peerIdentity(Channel channel) {
        return connection(channel).attr(PeerIdentity.PEER_SPIFFE_ID).get();
    }

    /** An HTTP/2 stream's attributes live on its connection. */
    private static Channel connection(Channel channel) {
        return channel instanceof Http2StreamChannel && channel.parent() != null ? channel.parent() : channel;
    }
}
