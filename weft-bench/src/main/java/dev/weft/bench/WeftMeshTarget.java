package dev.weft.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The real mesh path: client → client sidecar (outbound) → server sidecar (inbound) → backend. The backend's
 * sidecar registers it as service {@code bench-backend} through xDS node metadata; the client names that service
 * in the Host header. Between the sidecars the hop is HTTP/2 (Weft's default between sidecars): cleartext h2c, or
 * with {@code mtls} TLS 1.3 with workload certificates (both sidecars got a join token, so auto mTLS applies).
 */
public record WeftMeshTarget(boolean mtls) implements Target {
    static final String SERVICE = "bench-backend";
    static final String MTLS_SERVICE = "bench-backend-mtls";

    @Override
    public String name() {
        return mtls ? "weft-2-sidecars-mtls" : "weft-2-sidecars";
    }

    @Override
    public String description() {
        return mtls ? "client → client sidecar → (h2, mesh mTLS) → server sidecar → backend"
                : "client → client sidecar → (h2c) → server sidecar → backend (registered by its sidecar)";
    }

    @Override
    public RunningTarget start(BenchContext context) throws TargetUnavailableException, IOException {
        WeftControlPlane controlPlane = WeftControlPlane.get(context);
        Path dir = context.dirFor(name());
        String service = mtls ? MTLS_SERVICE : SERVICE;
        ManagedProcess server = context.processes().start(name() + "-server", controlPlane.proxyCommand(context,
                service, context.backendPort(), BenchContext.freePort(), BenchContext.freePort(),
                BenchContext.freePort(), dir.resolve("server-data"),
                mtls ? controlPlane.identityArgs(dir.resolve("tokens"), "bench-backend") : List.of()));
        int outbound = BenchContext.freePort();
        ManagedProcess client = context.processes().start(name() + "-client", controlPlane.proxyCommand(context,
                mtls ? "bench-mesh-client-mtls" : "bench-mesh-client", BenchContext.freePort(),
                BenchContext.freePort(), outbound, BenchContext.freePort(), dir.resolve("client-data"),
                mtls ? controlPlane.identityArgs(dir.resolve("tokens"), "bench-client") : List.of()));
        double ready = context.awaitBackendReachable(name(), outbound, service, client.startedNanos(),
                List.of(server, client));
        return new RunningTarget(name(), outbound, service, List.of(client.handle(), server.handle()), ready);
    }
}
