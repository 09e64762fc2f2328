package dev.weft.cli;

import dev.weft.controlplane.ControlPlane;
import dev.weft.controlplane.ControlPlaneOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code weft controlplane}: serves xDS from a directory of Istio-compatible YAML. */
@Command(name = "controlplane", description = {
        "Run the control plane: reads and watches the YAML in --config-dir, registers proxies as they connect,",
        "and streams xDS to them. Stays in the foreground; stops on Ctrl-C or SIGTERM."})
final class ControlPlaneCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(ControlPlaneCommand.class);

    @Option(names = "--config-dir", required = true, paramLabel = "DIR", description = "directory of *.yaml/*.yml config")
    Path configDir;

    @Option(names = "--xds-port", defaultValue = "15010", description = "ADS gRPC port (default: ${DEFAULT-VALUE}; 0: any free port)")
    int xdsPort;

    @Option(names = "--http-port", defaultValue = "15014", description = "status/debug HTTP port (default: ${DEFAULT-VALUE}; 0: any free port)")
    int httpPort;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "where the control plane keeps its state (default: .weft/controlplane)")
    Path dataDir;

    @Option(names = "--endpoint-grace-period", paramLabel = "MILLIS", hidden = true,
            description = "how long a disconnected proxy's endpoints are kept")
    Long endpointGraceMillis;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (!Files.isDirectory(configDir)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--config-dir " + configDir + ": not a directory");
        }
        ControlPlaneOptions defaults = ControlPlaneOptions.defaults(configDir);
        ControlPlaneOptions options = new ControlPlaneOptions(configDir, xdsPort, httpPort, defaults.httpBindAddress(),
                dataDir != null ? dataDir : defaults.dataDir(), defaults.debounce(),
                endpointGraceMillis != null ? Duration.ofMillis(endpointGraceMillis) : defaults.endpointGracePeriod());
        var controlPlane = ControlPlane.start(options);
        log.info("control plane ready: xDS on port {}, HTTP on port {} (/ready, /debug/syncz, /debug/config-errors), config from {}",
                controlPlane.xdsPort(), controlPlane.httpPort(), configDir.toAbsolutePath());
        Foreground.runUntilShutdown("control plane", controlPlane);
        return 0;
    }
}
