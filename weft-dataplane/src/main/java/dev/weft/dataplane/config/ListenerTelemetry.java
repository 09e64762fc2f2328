package dev.weft.dataplane.config;

/**
 * What the control plane says about a listener's telemetry (Istio's Telemetry API, translated to the HTTP connection
 * manager's {@code access_log} and {@code tracing}); parts it does not set leave the proxy's own defaults (its
 * {@code --access-log} and {@code --tracing-sampling} flags) in force.
 *
 * @param accessLog       {@code DEFAULT}: the proxy's flag; otherwise off, or on in one format
 * @param samplingPercent share of new traces sampled, 0..100, or null for the proxy's default
 * @param reportSpans     false: spans are sampled and propagated but not exported (Istio's disableSpanReporting)
 */
public record ListenerTelemetry(AccessLog accessLog, Double samplingPercent, boolean reportSpans) {
    public static final ListenerTelemetry DEFAULTS = new ListenerTelemetry(AccessLog.DEFAULT, null, true);

    public ListenerTelemetry {
        if (samplingPercent != null && (samplingPercent < 0 || samplingPercent > 100)) {
            throw new IllegalArgumentException("sampling must be 0..100 percent, got " + samplingPercent);
        }
    }

    /** The access log setting of a listener. */
    public enum AccessLog { DEFAULT, OFF, TEXT, JSON }

    public boolean isDefault() {
        return equals(DEFAULTS);
    }
}
