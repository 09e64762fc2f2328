package dev.weft.controlplane.generator;

/** Istio's cluster names, as docs/xds-conventions.md fixes them. */
public final class ClusterNames {
    private ClusterNames() {}

    /** {@code outbound|<port>|<subset>|<host>}, subset empty when none. */
    public static String outbound(int port, String subset, String host) {
        return "outbound|" + port + "|" + (subset == null ? "" : subset) + "|" + host;
    }

    /** {@code inbound|<appPort>||}. */
    public static String inbound(int appPort) {
        return "inbound|" + appPort + "||";
    }
}
