package dev.weft.controlplane.ca;

/**
 * The control plane's own SPIFFE identity, {@code spiffe://<trust-domain>/ns/weft-system/sa/weft-controlplane}: the URI
 * SAN of its TLS xDS certificate, which Weft proxies require exactly. The CA never issues it to a workload (no join
 * token, no CSR), so a workload certificate can never pass for the control plane.
 */
public final class ControlPlaneIdentity {
    public static final String NAMESPACE = "weft-system";
    public static final String SERVICE_ACCOUNT = "weft-controlplane";

    private ControlPlaneIdentity() {}

    public static SpiffeId of(String trustDomain) {
        return new SpiffeId(trustDomain, NAMESPACE, SERVICE_ACCOUNT);
    }

    /** Whether {@code namespace}/{@code serviceAccount} is the control plane's reserved identity. */
    public static boolean isReserved(String namespace, String serviceAccount) {
        return NAMESPACE.equals(namespace) && SERVICE_ACCOUNT.equals(serviceAccount);
    }
}
