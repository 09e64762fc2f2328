package dev.weft.dataplane.tls;

/**
 * The SDS secret names of mesh mTLS, as in Istio: the workload certificate and key, and the root bundle. A Weft
 * proxy resolves both from its own workload identity (its key never leaves it), so the control plane only names
 * them; no secret material crosses xDS.
 */
public final class MeshSecrets {
    public static final String WORKLOAD_CERTIFICATE = "default";
    public static final String ROOT_CA = "ROOTCA";

    private MeshSecrets() {}
}
