package dev.weft.config.model;

import java.util.Map;

/**
 * Istio {@code PeerAuthentication.spec}.
 *
 * @param selector workloads it applies to (null: the whole namespace, or the whole mesh in the root namespace)
 * @param mtls the mode for all ports (null or UNSET: inherit from the parent scope)
 * @param portLevelMtls per workload port; only with a selector (as in Istio)
 */
public record PeerAuthenticationSpec(PolicySelector selector, Mtls mtls, Map<Integer, Mtls> portLevelMtls) {
    public PeerAuthenticationSpec {
        portLevelMtls = portLevelMtls == null ? Map.of() : Map.copyOf(portLevelMtls);
    }

    /** Istio {@code PeerAuthentication.MutualTLS}. */
    public record Mtls(Mode mode) {
        public enum Mode { UNSET, DISABLE, PERMISSIVE, STRICT }

        public Mode effective() {
            return mode == null ? Mode.UNSET : mode;
        }
    }
}
