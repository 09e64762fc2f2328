package dev.weft.proxy.telemetry;

import io.netty.channel.Channel;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.AttributeKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * The mTLS identities of a downstream connection, for the principal and {@code connection_security_policy} labels:
 * the SPIFFE URI SANs of the peer's and our own certificate. Read from the connection's TLS session once and kept
 * on the channel, so requests on a kept-alive connection pay nothing.
 */
record PeerTls(boolean mutual, String peerPrincipal, String localPrincipal) {
    static final PeerTls PLAINTEXT = new PeerTls(false, "unknown", "unknown");
    private static final AttributeKey<PeerTls> KEY = AttributeKey.valueOf("weft.telemetry.peerTls");

    static PeerTls of(Channel stream) {
        // an HTTP/2 stream's TLS session belongs to its connection, the stream channel's parent
        Channel channel = stream instanceof Http2StreamChannel && stream.parent() != null ? stream.parent() : stream;
        PeerTls cached = channel.attr(KEY).get();
        if (cached != null) {
            return cached;
        }
        PeerTls tls = read(channel);
        channel.attr(KEY).set(tls);
        return tls;
    }

    private static PeerTls read(Channel channel) {
        SslHandler ssl = channel.pipeline().get(SslHandler.class);
        if (ssl == null || !ssl.handshakeFuture().isSuccess()) {
            return PLAINTEXT;
        }
        SSLSession session = ssl.engine().getSession();
        String peer = null;
        try {
            peer = uriSan(session.getPeerCertificates());
        } catch (SSLPeerUnverifiedException e) {
            // TLS without a client certificate: not mutual
        }
        String local = uriSan(session.getLocalCertificates());
        return new PeerTls(peer != null, peer == null ? "unknown" : peer, local == null ? "unknown" : local);
    }

    private static String uriSan(Certificate[] chain) {
        if (chain == null || chain.length == 0 || !(chain[0] instanceof X509Certificate leaf)) {
            return null;
        }
        try {
            var sans = leaf.getSubjectAlternativeNames();
            if (sans != null) {
                for (List<?> san : sans) {
                    if (Integer.valueOf(6).equals(san.get(0))) { // uniformResourceIdentifier
                        String uri = String.valueOf(san.get(1));
                        return uri; // Istio labels principals with the whole SPIFFE URI
                    }
                }
            }
        } catch (Exception e) {
            return null;
        }
        return null;
    }
}
