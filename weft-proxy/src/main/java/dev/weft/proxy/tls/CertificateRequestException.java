package dev.weft.proxy.tls;

import java.io.IOException;

/** The control plane refused, or could not be asked for, a certificate; the message is what it said. */
public final class CertificateRequestException extends IOException {
    public CertificateRequestException(String message) {
        super(message);
    }

    public CertificateRequestException(String message, Throwable cause) {
        super(message, cause);
    }
}
