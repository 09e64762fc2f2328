package dev.weft.demo;

import java.net.InetSocketAddress;

/**
 * How to run one sample service.
 *
 * @param service which sample to run: productpage, details, reviews, ratings or echo
 * @param version the version it reports (v1, v2, v3 for reviews; anything for the others)
 * @param port where it listens on 127.0.0.1 (0: ephemeral)
 * @param proxy the sidecar's outbound HTTP proxy listener used for calls to other services; null: call directly
 */
public record DemoServiceOptions(String service, String version, int port, InetSocketAddress proxy) {
    public DemoServiceOptions {
        if (!SampleApps.NAMES.contains(service)) {
            throw new IllegalArgumentException("unknown service '" + service + "', expected one of " + SampleApps.NAMES);
        }
        if (version == null || version.isBlank()) {
            version = "v1";
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
    }

    /** Parses {@code HOST:PORT}; a bare port means 127.0.0.1. */
    public static InetSocketAddress parseHostPort(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        if (colon < 0) {
            return new InetSocketAddress("127.0.0.1", Integer.parseInt(hostPort));
        }
        String host = hostPort.substring(0, colon);
        return new InetSocketAddress(host.isEmpty() ? "127.0.0.1" : host, Integer.parseInt(hostPort.substring(colon + 1)));
    }
}
