package dev.weft.controlplane.xds;

import dev.weft.controlplane.proxy.ProxyNode;

import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReferenceArray;

/** The sync state of one connected proxy, written by its stream, read by /debug/syncz. */
public final class ProxyStatus {
    private final long streamId;
    private final ProxyNode node;
    private final Instant connectedSince;
    private final String api;
    private final Authentication authentication;
    private final AtomicReferenceArray<TypeSyncStatus> types = new AtomicReferenceArray<>(XdsType.values().length);

    /**
     * What the stream's transport proved (docs/xds-conventions.md, "Authenticated xDS").
     *
     * @param transport {@code mtls}, {@code tls} (no client certificate) or {@code plaintext}
     * @param spiffeId the SPIFFE ID of the client certificate, null when unauthenticated
     * @param registeredServiceAccount the service account the registration carries: the certificate's, or empty
     *     when unauthenticated (the endpoint then joins no SAN list)
     */
    public record Authentication(String transport, String spiffeId, String registeredServiceAccount) {
        public boolean authenticated() {
            return spiffeId != null;
        }
    }

    ProxyStatus(long streamId, ProxyNode node, Instant connectedSince, String api, Authentication authentication) {
        this.authentication = authentication;
        this.streamId = streamId;
        this.node = node;
        this.connectedSince = connectedSince;
        this.api = api;
        for (XdsType t : XdsType.values()) {
            types.set(t.ordinal(), TypeSyncStatus.NONE);
        }
    }

    public long streamId() {
        return streamId;
    }

    public ProxyNode node() {
        return node;
    }

    public Instant connectedSince() {
        return connectedSince;
    }

    /** The ADS variant of the stream: {@code sotw} (StreamAggregatedResources) or {@code delta}. */
    public String api() {
        return api;
    }

    public Authentication authentication() {
        return authentication;
    }

    public TypeSyncStatus type(XdsType type) {
        return types.get(type.ordinal());
    }

    /** Per type, in push order. */
    public Map<XdsType, TypeSyncStatus> types() {
        Map<XdsType, TypeSyncStatus> out = new EnumMap<>(XdsType.class);
        for (XdsType t : XdsType.values()) {
            out.put(t, types.get(t.ordinal()));
        }
        return out;
    }

    // Only the stream's own serial executor writes, so get-then-set is safe.
    void update(XdsType type, java.util.function.UnaryOperator<TypeSyncStatus> change) {
        types.set(type.ordinal(), change.apply(types.get(type.ordinal())));
    }
}
