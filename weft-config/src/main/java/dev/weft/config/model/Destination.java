package dev.weft.config.model;

/** Istio {@code Destination}: host as written (resolve in the VirtualService's namespace), optional subset/port. */
public record Destination(String host, String subset, PortSelector port) {
    /** The port number, or null when the route leaves it to the service's single port. */
    public Integer portNumber() {
        return port == null ? null : port.number();
    }
}
