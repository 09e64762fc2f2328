package dev.weft.config.model;

/** Istio {@code HTTPRouteDestination}; weight null means unset (only allowed for a single destination). */
public record HttpRouteDestination(Destination destination, Integer weight, Headers headers) {
    public int weightOrDefault(int destinations) {
        return weight != null ? weight : destinations == 1 ? 100 : 0;
    }
}
