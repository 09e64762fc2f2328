package dev.weft.bench;

/** A target could not be started; the run goes on without it and the report says why. */
public final class TargetUnavailableException extends Exception {
    public TargetUnavailableException(String message) {
        super(message);
    }
}
