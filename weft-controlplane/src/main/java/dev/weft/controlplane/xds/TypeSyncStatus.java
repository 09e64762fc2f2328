package dev.weft.controlplane.xds;

import java.time.Instant;

/**
 * Where one proxy stands for one xDS type: what was last sent, what it last ACKed, and its last NACK.
 *
 * @param sentVersion version of the last response sent (null before the first)
 * @param sentNonce nonce of the last response sent
 * @param sentAt when it was sent
 * @param sentResources how many resources it carried
 * @param ackedVersion the last version the proxy ACKed (null before the first ACK)
 * @param ackedAt when
 * @param lastNack the last NACK, kept after later ACKs so operators can see what went wrong (null if none)
 */
public record TypeSyncStatus(String sentVersion, String sentNonce, Instant sentAt, int sentResources,
                             String ackedVersion, Instant ackedAt, Nack lastNack) {

    public static final TypeSyncStatus NONE = new TypeSyncStatus(null, null, null, 0, null, null, null);

    /** A rejected response. */
    public record Nack(String version, String nonce, String error, Instant time) {}

    TypeSyncStatus sent(String version, String nonce, int resources, Instant at) {
        return new TypeSyncStatus(version, nonce, at, resources, ackedVersion, ackedAt, lastNack);
    }

    TypeSyncStatus acked(String version, Instant at) {
        return new TypeSyncStatus(sentVersion, sentNonce, sentAt, sentResources, version, at, lastNack);
    }

    TypeSyncStatus nacked(Nack nack) {
        return new TypeSyncStatus(sentVersion, sentNonce, sentAt, sentResources, ackedVersion, ackedAt, nack);
    }

    /** Whether the proxy has applied the latest response sent. */
    public boolean inSync() {
        return sentVersion != null && sentVersion.equals(ackedVersion);
    }
}
