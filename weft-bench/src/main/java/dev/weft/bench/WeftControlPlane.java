package dev.weft.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The one Weft control plane both Weft targets use, started on first need. Its config directory holds a
 * ServiceEntry that makes the backend a mesh service with a static endpoint (what the one-sidecar target routes
 * to); the two-sidecar target's backend registers itself through its sidecar instead.
 */
final class WeftControlPlane {
    static final String CLI_MAIN = "dev.weft.cli.Main";
    /** The ServiceEntry host of the backend and the port it is known by in the mesh. */
    static final String STATIC_BACKEND_HOST = "backend.bench.local";
    static final int STATIC_BACKEND_PORT = 8080;

    private static WeftControlPlane instance;
    private final int xdsPort;
    private final int xdsTlsPort;
    private final int httpPort;
    private final ManagedProcess process;
    private final double readySeconds;

    private WeftControlPlane(int xdsPort, int xdsTlsPort, int httpPort, ManagedProcess process, double readySeconds) {
        this.xdsPort = xdsPort;
        this.xdsTlsPort = xdsTlsPort;
        this.httpPort = httpPort;
        this.process = process;
        this.readySeconds = readySeconds;
    }

    /** The control plane if a Weft target started one (it is not on the request path, so reported apart). */
    static synchronized java.util.Optional<WeftControlPlane> started() {
        return java.util.Optional.ofNullable(instance);
    }

    ProcessHandle handle() {
        return process.handle();
    }

    double readySeconds() {
        return readySeconds;
    }

    static synchronized WeftControlPlane get(BenchContext context) throws TargetUnavailableException, IOException {
        if (instance == null) {
            instance = start(context);
        }
        return instance;
    }

    int xdsPort() {
        return xdsPort;
    }

    private static WeftControlPlane start(BenchContext context) throws TargetUnavailableException, IOException {
        requireCli();
        Path dir = context.dirFor("weft-controlplane");
        Path configDir = Files.createDirectories(dir.resolve("config"));
        Files.writeString(configDir.resolve("bench-backend.yaml"), serviceEntry(context.backendPort()));
        int xdsPort = BenchContext.freePort();
        int xdsTlsPort = BenchContext.freePort();
        int httpPort = BenchContext.freePort();
        ManagedProcess process = context.processes().start("weft-controlplane", BenchContext.weftCommand(
                context.proxyJvmOptions(), List.of("controlplane", "--config-dir", configDir.toString(),
                        "--xds-port", Integer.toString(xdsPort), "--xds-tls-port", Integer.toString(xdsTlsPort),
                        // the plaintext targets' sidecars register without a certificate
                        "--allow-unauthenticated-registration", "--http-port", Integer.toString(httpPort),
                        "--data-dir", dir.resolve("data").toString())));
        long deadline = System.nanoTime() + context.readyTimeout().toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new TargetUnavailableException("weft controlplane exited: " + process.lastLogLine() + " (log "
                        + process.log() + ")\n" + process.logTail(15));
            }
            last = HttpProbe.get("127.0.0.1", httpPort, "127.0.0.1:" + httpPort, "/ready");
            if (last.startsWith("HTTP/1.1 200")) {
                return new WeftControlPlane(xdsPort, xdsTlsPort, httpPort, process, (System.nanoTime() - process.startedNanos()) / 1e9);
            }
            sleep(50);
        }
        throw new TargetUnavailableException("weft controlplane not ready at 127.0.0.1:" + httpPort + "/ready within "
                + context.readyTimeout().toSeconds() + " s (last: " + last.replace("\r\n", " | ") + "); log "
                + process.log() + ":\n" + process.logTail(15));
    }

    /**
     * The {@code weft proxy} flags that give a sidecar a workload identity for mesh mTLS: a join token for
     * {@code serviceAccount} minted on the control plane's HTTP API (what {@code weft token create} does), in a file.
     */
    List<String> identityArgs(Path dir, String serviceAccount) throws IOException, TargetUnavailableException {
        String url = "http://127.0.0.1:" + httpPort + "/v1/tokens?namespace=default&serviceAccount=" + serviceAccount
                + "&ttl=24h";
        try (java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient()) {
            java.net.http.HttpResponse<String> response = http.send(java.net.http.HttpRequest.newBuilder(
                            java.net.URI.create(url)).POST(java.net.http.HttpRequest.BodyPublishers.noBody()).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new TargetUnavailableException("join token for " + serviceAccount + " refused ("
                        + response.statusCode() + "): " + response.body().strip());
            }
            Path token = Files.writeString(Files.createDirectories(dir).resolve(serviceAccount + ".token"),
                    response.body());
            return List.of("--service-account", serviceAccount, "--token-file", token.toString(),
                    "--ca-url", "http://127.0.0.1:" + httpPort);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TargetUnavailableException("interrupted while minting a join token");
        }
    }

    /** Command line of one sidecar ({@code weft proxy}). */
    List<String> proxyCommand(BenchContext context, String service, int appPort, int inboundPort, int outboundPort,
                              int adminPort, Path dataDir, List<String> extra) {
        // a sidecar with a workload identity talks xDS over mTLS, to the TLS port
        int port = extra.contains("--token-file") ? xdsTlsPort : xdsPort;
        List<String> args = new ArrayList<>(List.of("proxy", "--control-plane", "127.0.0.1:" + port,
                "--service", service, "--app-port", Integer.toString(appPort),
                "--inbound-port", Integer.toString(inboundPort), "--outbound-port", Integer.toString(outboundPort),
                "--admin-port", Integer.toString(adminPort), "--data-dir", dataDir.toString()));
        args.addAll(extra);
        List<String> jvm = new ArrayList<>(BenchContext.PROXY_JVM_FLAGS);
        jvm.addAll(context.proxyJvmOptions()); // later flags win
        List<String> command = new ArrayList<>(BenchContext.PROXY_ENV);
        command.addAll(BenchContext.weftCommand(jvm, args));
        return command;
    }

    static void requireCli() throws TargetUnavailableException {
        try {
            Class.forName(CLI_MAIN, false, WeftControlPlane.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new TargetUnavailableException(CLI_MAIN + " is not on the class path yet (weft-cli not built)");
        }
    }

    static String serviceEntry(int backendPort) {
        return """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata:
                  name: bench-backend
                  namespace: default
                spec:
                  hosts:
                  - %s
                  location: MESH_INTERNAL
                  resolution: STATIC
                  ports:
                  - number: %d
                    name: http
                    protocol: HTTP
                    targetPort: %d
                  endpoints:
                  - address: 127.0.0.1
                """.formatted(STATIC_BACKEND_HOST, STATIC_BACKEND_PORT, backendPort);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
