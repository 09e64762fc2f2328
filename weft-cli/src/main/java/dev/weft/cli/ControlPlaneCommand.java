package dev.weft.cli;

import dev.weft.controlplane.ControlPlane;
import dev.weft.controlplane.ControlPlaneOptions;
import dev.weft.controlplane.ca.CaOptions;
import dev.weft.controlplane.ca.Durations;
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

    @Option(names = "--xds-tls-port", defaultValue = "15012", paramLabel = "PORT",
            description = {"ADS over TLS with the control plane's certificate from its CA (default: ${DEFAULT-VALUE};",
                    "0: any free port; -1: none). A proxy with a workload certificate connects here (mTLS) and may",
                    "only claim the identity its certificate proves"})
    int xdsTlsPort;

    @Option(names = "--xds-tls-san", paramLabel = "NAME", split = ",",
            description = "extra DNS name or IP address in the TLS xDS certificate (besides localhost, 127.0.0.1, ::1), for clients that check host names; repeatable")
    java.util.List<String> xdsTlsSans = new java.util.ArrayList<>();

    @Option(names = "--allow-unauthenticated-registration",
            description = {"let xDS streams without a workload certificate (the plaintext port) register endpoints:",
                    "for plaintext meshes (local development). Such endpoints never carry a service account.",
                    "Off by default: only proxies with a certificate become endpoints"})
    boolean allowUnauthenticatedRegistration;

    @Option(names = "--http-port", defaultValue = "15014", description = "status/debug HTTP port (default: ${DEFAULT-VALUE}; 0: any free port)")
    int httpPort;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "where the control plane keeps its state (default: .weft/controlplane)")
    Path dataDir;

    @Option(names = "--endpoint-grace-period", paramLabel = "MILLIS", hidden = true,
            description = "how long a disconnected proxy's endpoints are kept")
    Long endpointGraceMillis;

    @Option(names = "--trust-domain", defaultValue = CaOptions.DEFAULT_TRUST_DOMAIN,
            description = "SPIFFE trust domain of workload certificates (default: ${DEFAULT-VALUE})")
    String trustDomain;

    @Option(names = "--cert-ttl", defaultValue = "24h", paramLabel = "DURATION",
            description = "lifetime of workload certificates, e.g. 24h, 30m, 10s (default: ${DEFAULT-VALUE})")
    String certTtl;

    @Option(names = "--ca-cert", paramLabel = "FILE",
            description = "operator-supplied CA certificate (root or intermediate, followed by its chain); default: a root created in --data-dir")
    Path caCert;

    @Option(names = "--ca-key", paramLabel = "FILE", description = "private key of --ca-cert (PEM)")
    Path caKey;

    @Option(names = "--ca-roots", paramLabel = "FILE", description = "trusted roots to distribute with --ca-cert (default: the last certificate of its chain)")
    Path caRoots;

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
                endpointGraceMillis != null ? Duration.ofMillis(endpointGraceMillis) : defaults.endpointGracePeriod())
                .withXdsSecurity(xdsTlsPort, xdsTlsSans, allowUnauthenticatedRegistration);
        CaOptions ca;
        try {
            ca = new CaOptions(trustDomain, Durations.parse(certTtl), caCert, caKey, caRoots);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        var controlPlane = ControlPlane.start(options, ca);
        log.info("control plane ready: xDS on port {} (plaintext) and {} (TLS), HTTP on port {} (/ready, /debug/syncz, "
                + "/debug/config-errors), config from {}", controlPlane.xdsPort(), controlPlane.xdsTlsPort(),
                controlPlane.httpPort(), configDir.toAbsolutePath());
        Foreground.runUntilShutdown("control plane", controlPlane);
        return 0;
    }
}
