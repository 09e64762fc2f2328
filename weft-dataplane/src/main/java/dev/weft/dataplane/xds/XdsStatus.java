package dev.weft.dataplane.xds;

import java.time.Instant;
import java.util.Map;

/**
 * What the xDS client is doing, for the admin page.
 *
 * @param appliedVersions applied version per type (CDS, EDS, LDS, RDS)
 * @param lastNacks the last NACK reason per type; a type's entry is cleared when a later response is applied
 * @param loadedFromCache true when the config being served came from the disk cache and the control plane has not
 *                        answered since
 * @param lastUpdate when a config was last applied, or null
 * @param reconnects how many times the stream failed and was opened again
 * @param lastStreamError why the stream last failed, or null
 */
public record XdsStatus(ConnectionState connection, String controlPlane, boolean warm, boolean loadedFromCache,
                        Map<String, String> appliedVersions, Map<String, String> lastNacks, Instant lastUpdate,
                        long reconnects, String lastStreamError) {
    public XdsStatus {
        appliedVersions = Map.copyOf(appliedVersions);
        lastNacks = Map.copyOf(lastNacks);
    }

    public enum ConnectionState {
        /** Not started yet. */
        IDLE,
        /** A stream is open and the control plane has not answered on it yet. */
        CONNECTING,
        /** The control plane answered on the current stream. */
        CONNECTED,
        /** The stream failed; waiting before the next attempt. */
        BACKING_OFF,
        CLOSED
    }
}
