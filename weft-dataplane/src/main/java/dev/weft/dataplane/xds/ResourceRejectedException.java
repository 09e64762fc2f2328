package dev.weft.dataplane.xds;

/**
 * An xDS resource Weft cannot apply faithfully. The message names the resource and the field so it can be sent back
 * to the control plane verbatim as the NACK's error detail, e.g.
 * {@code Listener outbound: filter_chains[0].filters[0]: unsupported network filter envoy.filters.network.foo}.
 */
public final class ResourceRejectedException extends Exception {
    private final String resourceKind;
    private final String resourceName;
    private final String field;

    public ResourceRejectedException(String resourceKind, String resourceName, String field, String reason) {
        super(resourceKind + " " + (resourceName == null || resourceName.isEmpty() ? "<unnamed>" : resourceName)
                + ": " + (field == null || field.isEmpty() ? "" : field + ": ") + reason);
        this.resourceKind = resourceKind;
        this.resourceName = resourceName;
        this.field = field;
    }

    /** Listener, RouteConfiguration, Cluster or ClusterLoadAssignment. */
    public String resourceKind() {
        return resourceKind;
    }

    public String resourceName() {
        return resourceName;
    }

    /** Field path inside the resource, e.g. {@code virtual_hosts[0].routes[2].match.safe_regex}. */
    public String field() {
        return field;
    }
}
