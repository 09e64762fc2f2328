package dev.weft.config;

import dev.weft.config.model.PeerAuthentication;
import dev.weft.config.model.PeerAuthenticationSpec.Mtls;
import java.util.List;
import java.util.Map;

/**
 * Istio's resolution of the effective mTLS mode of one workload port: the workload's own policy (port level, then
 * workload level) over the namespace's policy over the mesh-wide policy in the root namespace, each {@code UNSET}
 * deferring to the next; PERMISSIVE when nothing says otherwise. Where several policies of one scope match, the
 * oldest wins in Istio; Weft takes the first in load order (file name, then document order).
 */
public final class PeerAuthentications {
    /** Istio's default root namespace, where a selector-less policy is mesh-wide. */
    public static final String ROOT_NAMESPACE = "istio-system";

    private PeerAuthentications() {}

    public static Mtls.Mode effectiveMode(List<PeerAuthentication> policies, String namespace,
                                          Map<String, String> labels, int port) {
        PeerAuthentication workload = null;
        PeerAuthentication namespaceWide = null;
        PeerAuthentication meshWide = null;
        for (PeerAuthentication p : policies) {
            boolean selects = p.spec().selector() != null && !p.spec().selector().matchLabels().isEmpty();
            String ns = p.meta().namespace();
            if (ns.equals(namespace) && selects && p.spec().selector().matches(labels)) {
                workload = workload == null ? p : workload;
            } else if (ns.equals(namespace) && !selects) {
                namespaceWide = namespaceWide == null ? p : namespaceWide;
            }
            if (ns.equals(ROOT_NAMESPACE) && !selects) {
                meshWide = meshWide == null ? p : meshWide;
            }
        }
        if (workload != null) {
            Mtls portLevel = workload.spec().portLevelMtls().get(port);
            if (portLevel != null && portLevel.effective() != Mtls.Mode.UNSET) {
                return portLevel.effective();
            }
            if (workload.spec().mtls() != null && workload.spec().mtls().effective() != Mtls.Mode.UNSET) {
                return workload.spec().mtls().effective();
            }
        }
        for (PeerAuthentication p : new PeerAuthentication[]{namespaceWide, meshWide}) {
            if (p != null && p.spec().mtls() != null && p.spec().mtls().effective() != Mtls.Mode.UNSET) {
                return p.spec().mtls().effective();
            }
        }
        return Mtls.Mode.PERMISSIVE;
    }

}
