package dev.weft.controlplane.proxy;

/** The node a proxy sent on its xDS stream cannot be understood; the message names the metadata key. */
public final class InvalidNodeException extends Exception {
    public InvalidNodeException(String message) {
        super(message);
    }
}
