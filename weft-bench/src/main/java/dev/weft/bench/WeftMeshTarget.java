package dev.weft.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The real mesh path: client → client sidecar (outbound) → server sidecar (inbound) → backend. The backend's
 * sidecar registers it as service {@code bench-backend} through xDS node metadata; the client names that service
 * in the Host header.
 */
public record WeftMeshTarget() implements Target {
    static final String SERVICE = "bench-backend";

    @Override
    public String name() {
        return "weft-2-sidecars";
    }

    @Override
    public String description() {
        return "client → client sidecar → server sidecar → backend (registered by its sidecar)";
    }

    @Override
    public RunningTarget start(BenchContext context) throws TargetUnavailableException, IOException {
        WeftControlPlane controlPlane = WeftControlPlane.get(context);
        Path dir = context.dirFor(name());
        ManagedProcess server = context.processes().start(name() + "-server", controlPlane.proxyCommand(context,
                SERVICE, context.backendPort(), BenchContext.freePort(), BenchContext.freePort(),
                BenchContext.freePort(), dir.resolve("server-data"), List.of()));
        int outbound = BenchContext.freePort();
        ManagedProcess client = context.processes().start(name() + "-client", controlPlane.proxyCommand(context,
                "bench-mesh-client", BenchContext.freePort(), BenchContext.freePort(), outbound,
                BenchContext.freePort(), dir.resolve("client-data"), List.of()));
        double ready = context.awaitBackendReachable(name(), outbound, SERVICE, client.startedNanos(),
                List.of(server, client));
        return new RunningTarget(name(), outbound, SERVICE, List.of(client.handle(), server.handle()), ready);
    }
}
