package dev.weft.cli;

import dev.weft.demo.DemoService;
import dev.weft.demo.DemoServiceOptions;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code weft demo-service}: one sample service, as the demo and the end-to-end tests run them. */
@Command(name = "demo-service", description = "Run one sample service (productpage, details, reviews, ratings or echo) on 127.0.0.1; ratings speaks gRPC (weft.demo.Ratings/GetRatings), the others HTTP/1.1.")
final class DemoServiceCommand implements Callable<Integer> {
    @Option(names = "--service", required = true, description = "productpage, details, reviews, ratings or echo")
    String service;

    @Option(names = "--version", defaultValue = "v1", description = "the version it reports (default: ${DEFAULT-VALUE})")
    String version;

    @Option(names = "--port", defaultValue = "0", description = "port on 127.0.0.1 (default: any free port)")
    int port;

    @Option(names = "--proxy", paramLabel = "HOST:PORT", description = "the sidecar's outbound listener, used to call other services")
    String proxy;

    @Override
    public Integer call() throws Exception {
        DemoService running = DemoService.start(new DemoServiceOptions(service, version, port,
                proxy == null ? null : DemoServiceOptions.parseHostPort(proxy)));
        Foreground.runUntilShutdown(service + " " + version, running);
        return 0;
    }
}
