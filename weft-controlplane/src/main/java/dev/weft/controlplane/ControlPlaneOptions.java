package dev.weft.controlplane;

import java.nio.file.Path;
import java.time.Duration;

/**
 * How to run a control plane (the flags of {@code weft controlplane}).
 *
 * @param configDir directory of Istio-compatible YAML, watched for changes
 * @param xdsPort ADS gRPC port (0: ephemeral)
 * @param httpPort status/debug HTTP port (0: ephemeral)
 * @param httpBindAddress address of the HTTP API; loopback by default because it will mint join tokens
 * @param dataDir where the control plane keeps state (the CA's root key, later)
 * @param debounce how long config and registry changes are collected before one push
 * @param endpointGracePeriod how long a disconnected proxy's endpoints stay before they are withdrawn
 */
public record ControlPlaneOptions(Path configDir, int xdsPort, int httpPort, String httpBindAddress, Path dataDir,
                                  Duration debounce, Duration endpointGracePeriod) {
    public static ControlPlaneOptions defaults(Path configDir) {
        return new ControlPlaneOptions(configDir, 15010, 15014, "127.0.0.1", Path.of(".weft", "controlplane"),
                Duration.ofMillis(100), Duration.ofSeconds(5));
    }
}
