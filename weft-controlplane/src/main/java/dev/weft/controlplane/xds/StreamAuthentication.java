package dev.weft.controlplane.xds;

import dev.weft.controlplane.ca.SpiffeId;
import dev.weft.controlplane.ca.SpiffeIds;
import dev.weft.controlplane.proxy.ProxyNode;

import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Binds an xDS stream's announced node to what its transport proved (docs/xds-conventions.md, "Authenticated xDS").
 *
 * <ul>
 *   <li>A client certificate (mTLS on the TLS port): its SPIFFE ID must be {@code ns/<NAMESPACE>/sa/<SERVICE_ACCOUNT>}
 *       of the node, in the CA's trust domain; otherwise the stream is refused and nothing is registered. The node is
 *       registered as announced, its service account then vouched for.</li>
 *   <li>No client certificate (the plaintext port, or TLS without one): the stream may read config, but it cannot
 *       claim an identity: its registration carries no service account (so it never joins a cluster's
 *       {@code match_typed_subject_alt_names}) and not the {@code security.istio.io/tlsMode} label (so no client
 *       expects mTLS from it). Registering an endpoint this way is refused unless the control plane runs with
 *       {@code --allow-unauthenticated-registration}.</li>
 * </ul>
 */
final class StreamAuthentication {
    static final String TLS_MODE_LABEL = "security.istio.io/tlsMode";

    /**
     * @param trustDomain the CA's trust domain: client certificates must hold a SPIFFE ID in it
     * @param allowUnauthenticatedRegistration whether a stream without a client certificate may register an endpoint
     */
    record Policy(String trustDomain, boolean allowUnauthenticatedRegistration) {}

    /** The outcome for one stream. */
    sealed interface Outcome permits Bound, Refused {}

    /**
     * The stream may proceed.
     *
     * @param registration what the registry gets: the node, stripped of identity claims when unauthenticated
     * @param spiffeId the SPIFFE ID the client certificate proved, null when unauthenticated
     */
    record Bound(ProxyNode registration, String spiffeId) implements Outcome {}

    /** The stream is refused (PERMISSION_DENIED) for {@code reason}. */
    record Refused(String reason) implements Outcome {}

    private StreamAuthentication() {}

    static Outcome bind(ProxyNode announced, PeerCredentials peer, Policy policy) {
        if (peer.certificate() != null) {
            Optional<SpiffeId> proven = SpiffeIds.fromCertificate(peer.certificate(), policy.trustDomain());
            if (proven.isEmpty()) {
                return new Refused("node " + announced.id() + ": the client certificate holds no SPIFFE ID of trust "
                        + "domain " + policy.trustDomain());
            }
            SpiffeId id = proven.get();
            if (!id.namespace().equals(announced.namespace()) || !id.serviceAccount().equals(announced.serviceAccount())) {
                return new Refused("node " + announced.id() + " announces namespace '" + announced.namespace()
                        + "' and service account '" + announced.serviceAccount() + "' (node.metadata NAMESPACE, "
                        + "SERVICE_ACCOUNT), but its certificate is " + id.uri()
                        + "; a stream may only claim the identity its certificate proves");
            }
            return new Bound(announced, id.uri());
        }
        if (announced.servesInbound() && !policy.allowUnauthenticatedRegistration()) {
            return new Refused("node " + announced.id() + ": an unauthenticated xDS stream (" + peer.transport()
                    + ", no client certificate) may not register an endpoint for " + announced.serviceHost()
                    + "; connect with a workload certificate to the control plane's TLS xDS port (weft proxy "
                    + "--token-file), or start the control plane with --allow-unauthenticated-registration");
        }
        return new Bound(withoutIdentity(announced), null);
    }

    /** The node as registered without proof of identity: no service account, no claim of a mesh certificate. */
    static ProxyNode withoutIdentity(ProxyNode n) {
        Map<String, String> labels = new TreeMap<>(n.labels());
        labels.remove(TLS_MODE_LABEL);
        return new ProxyNode(n.id(), n.role(), n.service(), n.namespace(), "", labels, n.address(), n.appPort(),
                n.appProtocol(), n.servicePort(), n.inboundPort(), n.outboundPort(), n.upstreams());
    }
}
