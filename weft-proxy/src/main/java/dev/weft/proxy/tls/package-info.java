/**
 * The sidecar's workload identity and mesh TLS (DESIGN.md §6).
 *
 * <ul>
 *   <li>{@link dev.weft.proxy.tls.WorkloadIdentity}: generates the key pair here (it never leaves the process),
 *       exchanges the join token for a certificate ({@link dev.weft.proxy.tls.CertificateSigningClient}) and renews
 *       at half-life, swapping in new {@link dev.weft.proxy.tls.MeshTlsContexts}.</li>
 *   <li>{@link dev.weft.proxy.tls.MeshTlsProvider}: the one hook listeners and upstream pools ask for the current
 *       contexts on each new connection, so rotation reaches new connections and leaves open ones alone.</li>
 *   <li>Inbound: {@link dev.weft.proxy.tls.InboundTlsSniffer} applies PeerAuthentication (STRICT closes plaintext,
 *       PERMISSIVE sniffs the first record) and records the peer's SPIFFE ID;
 *       {@link dev.weft.proxy.tls.ClientCertHeaderFilter} passes it to the app as X-Forwarded-Client-Cert.</li>
 *   <li>Outbound: clusters with an UpstreamTlsContext get a client context whose trust manager checks chain and
 *       SPIFFE ID inside the handshake.</li>
 * </ul>
 * The SDS secret names in xDS ({@code default}, {@code ROOTCA}) are resolved from this package, never fetched.
 */
package dev.weft.proxy.tls;
