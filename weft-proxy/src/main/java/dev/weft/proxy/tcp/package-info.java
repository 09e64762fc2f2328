/**
 * TCP proxying for {@code tcp_proxy} listeners: {@link dev.weft.proxy.tcp.TcpProxyHandler} picks a cluster by weight
 * and an endpoint from its load balancer when a connection is accepted and connects on the same event loop; a pair
 * of {@code TcpRelay}s then copies bytes both ways with backpressure (a side stops reading while the other cannot
 * write), forwards half-close (FIN) and closes both sides on idle timeout, error or full close. No bytes are
 * interpreted. {@code TcpConnectionStats} reports the bytes as Istio's istio_tcp_* metrics (periodically and at close);
 * on mesh mTLS, {@link dev.weft.proxy.tcp.PeerMetadataExchange} swaps workload metadata with the peer sidecar before
 * the payload. {@link dev.weft.proxy.tcp.TcpSplice} lends the relay pair to an HTTP/1.1 connection upgraded by a
 * {@code 101 Switching Protocols} (WebSocket). Not yet here: access-log lines for TCP connections.
 */
package dev.weft.proxy.tcp;
