package dev.weft.controlplane.ca;

/** A join token that grants nothing; the message says why and is safe to show the caller. */
public final class InvalidTokenException extends Exception {
    public InvalidTokenException(String message) {
        super(message);
    }
}
