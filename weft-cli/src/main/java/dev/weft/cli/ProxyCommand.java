package dev.weft.cli;

import dev.weft.proxy.Proxy;
import dev.weft.proxy.ProxyOptions;
import dev.weft.proxy.tls.IdentityOptions;
import dev.weft.proxy.telemetry.TelemetryOptions;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code weft proxy}: a sidecar in front of one application port. */
@Command(name = "proxy", description = {
        "Run a sidecar proxy for one workload: registers it with the control plane, takes peer traffic on the",
        "inbound port and hands it to the app, and routes the app's outbound calls (HTTP proxy on the outbound port).",
        "Stays in the foreground; stops on Ctrl-C or SIGTERM."})
final class ProxyCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(ProxyCommand.class);
    private static final Pattern UPSTREAM = Pattern.compile("[A-Za-z0-9][A-Za-z0-9.-]*(:\\d{1,5})?=\\d{1,5}");

    @Option(names = "--control-plane", required = true, paramLabel = "HOST:PORT", description = {"the control plane's xDS address: its plaintext port (15010), or with --token-file its TLS",
            "port (15012), where the proxy connects over mTLS with its workload certificate"})
    String controlPlane;

    @Option(names = "--service", required = true, paramLabel = "NAME", description = "the service this workload serves")
    String service;

    @Option(names = "--namespace", defaultValue = "default", description = "workload namespace (default: ${DEFAULT-VALUE})")
    String namespace;

    @Option(names = "--labels", split = ",", paramLabel = "k=v", description = "workload labels, e.g. app=reviews,version=v2")
    Map<String, String> labels = new LinkedHashMap<>();

    @Option(names = "--service-account", defaultValue = "default", paramLabel = "NAME", description = "service account (default: ${DEFAULT-VALUE})")
    String serviceAccount;

    @Option(names = "--app-port", required = true, paramLabel = "PORT", description = "the port the app listens on at 127.0.0.1")
    int appPort;

    @Option(names = "--service-port", paramLabel = "PORT", description = "the port the service is known by in the mesh (default: --app-port)")
    Integer servicePort;

    @Option(names = "--app-protocol", defaultValue = "http", description = "protocol of the app port: http, http2 (h2c), grpc or tcp (default: ${DEFAULT-VALUE})")
    String appProtocol;

    @Option(names = "--inbound-port", defaultValue = "15006", description = "inbound listener port (default: ${DEFAULT-VALUE})")
    int inboundPort;

    @Option(names = "--outbound-port", defaultValue = "15001", description = "outbound HTTP proxy listener port (default: ${DEFAULT-VALUE})")
    int outboundPort;

    @Option(names = "--admin-port", defaultValue = "15000", description = "admin port: /ready, /config_dump, /clusters (default: ${DEFAULT-VALUE})")
    int adminPort;

    @Option(names = "--address", defaultValue = "127.0.0.1", paramLabel = "IP", description = "where peers reach the inbound port (default: ${DEFAULT-VALUE})")
    String address;

    @Option(names = "--upstream", paramLabel = "SERVICE[:PORT]=LOCALPORT", arity = "1..*",
            description = "bind a local port to one service, for clients that can set neither a proxy nor a Host header")
    List<String> upstreams = new ArrayList<>();

    @Option(names = "--xds-api", defaultValue = "delta", paramLabel = "sotw|delta", description = "xDS variant: sotw (state of the world) or delta (incremental: only changed resources are sent, reconnects resume from the versions held); Envoy's GRPC and DELTA_GRPC are accepted too (default: ${DEFAULT-VALUE})")
    String xdsApi;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "where the last applied config is cached (default: ~/.weft/proxy/<id>)")
    Path dataDir;

    @Option(names = "--workload-name", paramLabel = "NAME", description = "the workload name in metric labels (default: SERVICE-VERSION, or SERVICE without a version label)")
    String workloadName;

    @Option(names = "--access-log", paramLabel = "stdout|FILE", description = "write an access log line per request to stdout or a file (default: none)")
    String accessLog;

    @Option(names = "--access-log-format", defaultValue = "text", paramLabel = "text|json", description = "access log format: Envoy's default text line or JSON (default: ${DEFAULT-VALUE})")
    String accessLogFormat;

    @Option(names = "--tracing-endpoint", paramLabel = "URL", description = "post sampled spans to this collector URL, e.g. http://127.0.0.1:4318/v1/traces (OTLP) or http://127.0.0.1:9411/api/v2/spans (Zipkin)")
    URI tracingEndpoint;

    @Option(names = "--tracing-format", defaultValue = "otlp", paramLabel = "otlp|zipkin", description = "span export format (default: ${DEFAULT-VALUE})")
    String tracingFormat;

    @Option(names = "--tracing-sampling", defaultValue = "1", paramLabel = "PERCENT", description = "percentage of new traces sampled, 0-100 (default: ${DEFAULT-VALUE}, as Istio)")
    double tracingSampling;

    @Option(names = "--token-file", paramLabel = "FILE", description = "join token from 'weft token create': the proxy gets a workload certificate for mesh mTLS (default: none, plaintext only)")
    Path tokenFile;

    @Option(names = "--ca-url", paramLabel = "URL", description = "the control plane's HTTP API that signs certificates (default: http://<control-plane host>:15014)")
    URI caUrl;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        ProxyOptions options = toOptions();
        var proxy = Proxy.start(options, toTelemetryOptions(), toIdentityOptions());
        log.info("proxy for {}.{} started: outbound 127.0.0.1:{}, inbound {}:{} -> app 127.0.0.1:{}, admin 127.0.0.1:{} (/ready once config is applied)",
                service, namespace, outboundPort, address, inboundPort, appPort, proxy.adminPort());
        Foreground.runUntilShutdown("proxy " + service, proxy);
        return 0;
    }

    /** Null without --token-file. With it, the workload is labelled for auto mTLS (Istio's sidecar label). */
    IdentityOptions toIdentityOptions() {
        if (tokenFile == null) {
            return null;
        }
        URI ca = caUrl;
        if (ca == null) {
            int colon = controlPlane.lastIndexOf(':');
            String host = colon > 0 ? controlPlane.substring(0, colon) : controlPlane;
            ca = URI.create("http://" + host + ":15014");
        }
        return new IdentityOptions(ca, tokenFile);
    }

    TelemetryOptions toTelemetryOptions() {
        TelemetryOptions.AccessLogFormat logFormat = switch (accessLogFormat) {
            case "text" -> TelemetryOptions.AccessLogFormat.TEXT;
            case "json" -> TelemetryOptions.AccessLogFormat.JSON;
            default -> throw new CommandLine.ParameterException(spec.commandLine(),
                    "--access-log-format " + accessLogFormat + ": expected text or json");
        };
        TelemetryOptions.SpanFormat spanFormat = switch (tracingFormat) {
            case "otlp" -> TelemetryOptions.SpanFormat.OTLP;
            case "zipkin" -> TelemetryOptions.SpanFormat.ZIPKIN;
            default -> throw new CommandLine.ParameterException(spec.commandLine(),
                    "--tracing-format " + tracingFormat + ": expected otlp or zipkin");
        };
        if (tracingSampling < 0 || tracingSampling > 100) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--tracing-sampling " + tracingSampling + ": expected a percentage from 0 to 100");
        }
        if (tracingEndpoint != null && (tracingEndpoint.getScheme() == null
                || !tracingEndpoint.getScheme().matches("https?") || tracingEndpoint.getHost() == null)) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--tracing-endpoint " + tracingEndpoint + ": expected an http(s) URL, e.g. http://127.0.0.1:4318/v1/traces");
        }
        if (accessLog != null && accessLog.isBlank()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--access-log: expected stdout or a file path");
        }
        String version = labels.get("version");
        String name = workloadName != null ? workloadName : version == null ? service : service + "-" + version;
        return new TelemetryOptions(name, accessLog, logFormat, tracingEndpoint, spanFormat, tracingSampling);
    }

    ProxyOptions toOptions() {
        for (String upstream : upstreams) {
            if (!UPSTREAM.matcher(upstream).matches()) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "--upstream " + upstream + ": expected SERVICE[:PORT]=LOCALPORT, e.g. reviews:9080=16001");
            }
        }
        if (!java.util.Set.of("http", "http2", "grpc", "tcp").contains(appProtocol)) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--app-protocol " + appProtocol + ": expected http, http2, grpc or tcp");
        }
        if (tokenFile != null) {
            labels.put(IdentityOptions.TLS_MODE_LABEL, IdentityOptions.TLS_MODE_ISTIO);
        }
        boolean delta = switch (xdsApi.toLowerCase(java.util.Locale.ROOT)) {
            case "sotw", "grpc" -> false;
            case "delta", "delta_grpc" -> true;
            default -> throw new CommandLine.ParameterException(spec.commandLine(),
                    "--xds-api " + xdsApi + ": expected sotw or delta");
        };
        return new ProxyOptions(controlPlane, service, namespace, labels, serviceAccount, appPort,
                servicePort != null ? servicePort : appPort, appProtocol, inboundPort, outboundPort, adminPort, address,
                upstreams, dataDir, delta);
    }
}
