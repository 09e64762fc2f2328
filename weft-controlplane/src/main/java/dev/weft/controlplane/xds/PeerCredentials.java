package dev.weft.controlplane.xds;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;

import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * What the transport of an xDS stream proved about the client: whether it is TLS, and the client certificate it
 * presented (already validated against the mesh roots in the handshake), if any.
 *
 * @param tls whether the stream arrived on the TLS port
 * @param certificate the client's leaf certificate, null when it presented none
 */
record PeerCredentials(boolean tls, X509Certificate certificate) {
    static final PeerCredentials PLAINTEXT = new PeerCredentials(false, null);
    private static final Context.Key<PeerCredentials> KEY = Context.key("weft.xds.peer");

    /** The transport as {@code /debug/syncz} shows it: {@code mtls}, {@code tls} (no client certificate), {@code plaintext}. */
    String transport() {
        return certificate != null ? "mtls" : tls ? "tls" : "plaintext";
    }

    /** The credentials of the call being started (inside a service method). */
    static PeerCredentials current() {
        PeerCredentials p = KEY.get();
        return p == null ? PLAINTEXT : p;
    }

    /** Puts each call's peer credentials where {@link #current()} finds them. */
    static ServerInterceptor interceptor() {
        return new ServerInterceptor() {
            @Override
            public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(ServerCall<ReqT, RespT> call, Metadata headers,
                                                                         ServerCallHandler<ReqT, RespT> next) {
                return Contexts.interceptCall(Context.current().withValue(KEY, of(call)), call, headers, next);
            }
        };
    }

    private static PeerCredentials of(ServerCall<?, ?> call) {
        SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
        if (session == null) {
            return PLAINTEXT;
        }
        try {
            Certificate[] chain = session.getPeerCertificates();
            return new PeerCredentials(true, chain.length > 0 && chain[0] instanceof X509Certificate x ? x : null);
        } catch (SSLPeerUnverifiedException noClientCertificate) {
            return new PeerCredentials(true, null);
        }
    }
}
