package dev.weft.proxy.tls;

import javax.net.ssl.SSLException;

/**
 * A failed upstream TLS handshake as a connect failure whose message names the reason: the innermost cause, where
 * the trust manager's words are ("peer identity ... is not accepted", "certificate expired"), not BoringSSL's
 * "General OpenSslEngine problem" around it. Shown in the 503 {@code UF} body as Envoy's transport failure reason.
 */
public final class TlsHandshakeFailure {
    private TlsHandshakeFailure() {}

    public static SSLException of(Throwable handshakeCause) {
        Throwable t = handshakeCause;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String reason = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        return new SSLException("TLS error: " + reason, handshakeCause);
    }
}
