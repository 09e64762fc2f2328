package dev.weft.bench;

/** A way for the client to reach the backend: directly, or through one of the proxies compared. */
public sealed interface Target permits DirectTarget, NginxTarget, HaproxyTarget, WeftSidecarTarget, WeftMeshTarget {
    /** Short name used in tables, JSON and {@code --targets}. */
    String name();

    /** One line for the report: what sits between the client and the backend. */
    String description();

    RunningTarget start(BenchContext context) throws TargetUnavailableException, java.io.IOException;
}
