/**
 * Mesh TLS settings parsed from xDS transport sockets: {@link dev.weft.dataplane.tls.UpstreamTls} on clusters,
 * {@link dev.weft.dataplane.tls.DownstreamTls} on listeners. The certificates themselves live in the proxy.
 */
package dev.weft.dataplane.tls;
