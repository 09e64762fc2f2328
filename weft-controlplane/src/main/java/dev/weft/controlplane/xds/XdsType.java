package dev.weft.controlplane.xds;

/** The xDS resource types Weft serves, in the order a push sends them (make before break). */
public enum XdsType {
    CLUSTER("type.googleapis.com/envoy.config.cluster.v3.Cluster", true),
    ENDPOINT("type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment", false),
    LISTENER("type.googleapis.com/envoy.config.listener.v3.Listener", true),
    ROUTE("type.googleapis.com/envoy.config.route.v3.RouteConfiguration", false);

    private final String typeUrl;
    private final boolean wildcard;

    XdsType(String typeUrl, boolean wildcard) {
        this.typeUrl = typeUrl;
        this.wildcard = wildcard;
    }

    public String typeUrl() {
        return typeUrl;
    }

    /** CDS and LDS subscriptions with no names mean "everything"; EDS and RDS ask for names. */
    public boolean wildcard() {
        return wildcard;
    }

    public String shortName() {
        return switch (this) {
            case CLUSTER -> "cds";
            case ENDPOINT -> "eds";
            case LISTENER -> "lds";
            case ROUTE -> "rds";
        };
    }

    public static XdsType fromTypeUrl(String typeUrl) {
        for (XdsType t : values()) {
            if (t.typeUrl.equals(typeUrl)) {
                return t;
            }
        }
        return null;
    }
}
