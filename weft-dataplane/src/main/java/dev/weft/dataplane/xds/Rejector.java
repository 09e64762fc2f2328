package dev.weft.dataplane.xds;

/** Builds {@link ResourceRejectedException}s for one resource, so parsers only say where and why. */
record Rejector(String kind, String name) {
    ResourceRejectedException at(String field, String reason) {
        return new ResourceRejectedException(kind, name, field, reason);
    }
}
