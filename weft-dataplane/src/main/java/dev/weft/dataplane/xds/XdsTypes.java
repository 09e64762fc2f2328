package dev.weft.dataplane.xds;

import java.util.List;

/** The xDS v3 type URLs Weft's data plane subscribes to, in the order Envoy subscribes. */
public final class XdsTypes {
    public static final String CLUSTER = "type.googleapis.com/envoy.config.cluster.v3.Cluster";
    public static final String ENDPOINT = "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment";
    public static final String LISTENER = "type.googleapis.com/envoy.config.listener.v3.Listener";
    public static final String ROUTE = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration";

    public static final List<String> ALL = List.of(CLUSTER, ENDPOINT, LISTENER, ROUTE);

    private XdsTypes() {}

    /** CDS, EDS, LDS or RDS, for logs and the admin page. */
    public static String shortName(String typeUrl) {
        return switch (typeUrl) {
            case CLUSTER -> "CDS";
            case ENDPOINT -> "EDS";
            case LISTENER -> "LDS";
            case ROUTE -> "RDS";
            default -> typeUrl;
        };
    }

    /** SotW: a response for a wildcard type replaces the whole set; for the others, absence is not deletion. */
    public static boolean isWildcard(String typeUrl) {
        return CLUSTER.equals(typeUrl) || LISTENER.equals(typeUrl);
    }
}
