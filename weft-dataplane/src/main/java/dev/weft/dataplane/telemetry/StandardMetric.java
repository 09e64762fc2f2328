package dev.weft.dataplane.telemetry;

import java.util.Collection;

/**
 * Istio's standard metrics by their Telemetry API names ({@code MetricSelector.IstioMetric}), as bits of a mask: a
 * listener's Telemetry may turn some of them off, and recording skips those (never a map lookup per request).
 */
public enum StandardMetric {
    REQUEST_COUNT, REQUEST_DURATION, REQUEST_SIZE, RESPONSE_SIZE,
    TCP_OPENED_CONNECTIONS, TCP_CLOSED_CONNECTIONS, TCP_SENT_BYTES, TCP_RECEIVED_BYTES;

    /** The mask with every metric on. */
    public static final int ALL = (1 << values().length) - 1;

    public int bit() {
        return 1 << ordinal();
    }

    /** The mask of the metrics left on when {@code disabled} are off. */
    public static int enabledMask(Collection<StandardMetric> disabled) {
        int mask = ALL;
        for (StandardMetric m : disabled) {
            mask &= ~m.bit();
        }
        return mask;
    }

    public boolean in(int mask) {
        return (mask & bit()) != 0;
    }
}
