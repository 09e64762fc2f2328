package dev.weft.controlplane.ca;

/** A certificate request the CA will not sign; the message says why and is safe to show the caller. */
public final class CsrRejectedException extends Exception {
    public CsrRejectedException(String message) {
        super(message);
    }
}
