package dev.weft.proxy.telemetry;

/**
 * Which side of a hop a listener serves. Weft names its listeners by direction (docs/xds-conventions.md): the
 * {@code inbound} listener takes peers' requests for the local app (this proxy reports as {@code destination});
 * {@code outbound} and {@code upstream_*} carry the app's own calls (it reports as {@code source}).
 */
public enum TrafficDirection {
    INBOUND,
    OUTBOUND;

    public static TrafficDirection ofListener(String listenerName) {
        return listenerName.startsWith("inbound") ? INBOUND : OUTBOUND;
    }
}
