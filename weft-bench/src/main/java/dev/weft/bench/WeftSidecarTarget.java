package dev.weft.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * One Weft sidecar: the client sends to the sidecar's outbound listener with a Host header naming the backend's
 * mesh service (a ServiceEntry with a static endpoint), and the sidecar forwards to the backend.
 */
public record WeftSidecarTarget() implements Target {
    @Override
    public String name() {
        return "weft-1-sidecar";
    }

    @Override
    public String description() {
        return "client → Weft sidecar (outbound listener) → backend (ServiceEntry, static endpoint)";
    }

    @Override
    public RunningTarget start(BenchContext context) throws TargetUnavailableException, IOException {
        WeftControlPlane controlPlane = WeftControlPlane.get(context);
        Path dir = context.dirFor(name());
        int outbound = BenchContext.freePort();
        // The client has no app of its own; its sidecar still needs an app port to register.
        ManagedProcess sidecar = context.processes().start(name(), controlPlane.proxyCommand(context,
                "bench-client", BenchContext.freePort(), BenchContext.freePort(), outbound, BenchContext.freePort(),
                dir.resolve("data"), List.of()));
        String host = WeftControlPlane.STATIC_BACKEND_HOST + ":" + WeftControlPlane.STATIC_BACKEND_PORT;
        return context.awaitRunning(name(), outbound, host, sidecar);
    }
}
