package dev.weft.bench;

import java.util.List;

/** The baseline: the client talks to the backend itself. */
public record DirectTarget() implements Target {
    @Override
    public String name() {
        return "direct";
    }

    @Override
    public String description() {
        return "client → backend";
    }

    @Override
    public RunningTarget start(BenchContext context) throws TargetUnavailableException {
        String host = "127.0.0.1:" + context.backendPort();
        context.awaitBackendReachable(name(), context.backendPort(), host, System.nanoTime(), List.of());
        return new RunningTarget(name(), context.backendPort(), host, List.of(), 0);
    }
}
