package dev.weft.controlplane;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * How to run a control plane (the flags of {@code weft controlplane}).
 *
 * @param configDir directory of Istio-compatible YAML, watched for changes
 * @param xdsPort plaintext ADS gRPC port (0: ephemeral)
 * @param httpPort status/debug HTTP port (0: ephemeral)
 * @param httpBindAddress address of the HTTP API; loopback by default because it will mint join tokens
 * @param dataDir where the control plane keeps state (the CA's root key, registrations)
 * @param debounce how long config and registry changes are collected before one push
 * @param endpointGracePeriod how long a disconnected proxy's endpoints stay before they are withdrawn
 * @param xdsTlsPort ADS over TLS with the control plane's certificate from its CA (0: ephemeral, -1: none); a client
 *     presenting a workload certificate is bound to it
 * @param xdsTlsSans extra DNS names or IP addresses for the TLS certificate (besides localhost and loopback), for
 *     clients that check host names
 * @param allowUnauthenticatedRegistration whether an xDS stream without a workload certificate may register an
 *     endpoint (never with a service account); off by default
 */
public record ControlPlaneOptions(Path configDir, int xdsPort, int httpPort, String httpBindAddress, Path dataDir,
                                  Duration debounce, Duration endpointGracePeriod, int xdsTlsPort,
                                  List<String> xdsTlsSans, boolean allowUnauthenticatedRegistration) {
    public static final int DEFAULT_XDS_TLS_PORT = 15012;

    public ControlPlaneOptions {
        xdsTlsSans = List.copyOf(xdsTlsSans);
    }

    /**
     * For tests and embedding: the TLS port on an ephemeral port, and unauthenticated registration allowed (as
     * plaintext xDS clients of the protocol tests need); a production control plane is configured by the CLI.
     */
    public ControlPlaneOptions(Path configDir, int xdsPort, int httpPort, String httpBindAddress, Path dataDir,
                               Duration debounce, Duration endpointGracePeriod) {
        this(configDir, xdsPort, httpPort, httpBindAddress, dataDir, debounce, endpointGracePeriod, 0, List.of(), true);
    }

    public static ControlPlaneOptions defaults(Path configDir) {
        return new ControlPlaneOptions(configDir, 15010, 15014, "127.0.0.1", Path.of(".weft", "controlplane"),
                Duration.ofMillis(100), Duration.ofSeconds(5), DEFAULT_XDS_TLS_PORT, List.of(), false);
    }

    public ControlPlaneOptions withXdsSecurity(int tlsPort, List<String> tlsSans, boolean allowUnauthenticated) {
        return new ControlPlaneOptions(configDir, xdsPort, httpPort, httpBindAddress, dataDir, debounce,
                endpointGracePeriod, tlsPort, tlsSans, allowUnauthenticated);
    }
}
