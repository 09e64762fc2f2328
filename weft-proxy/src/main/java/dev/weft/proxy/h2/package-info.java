/**
 * HTTP/2 in the proxy, on top of Netty's frame codec and stream multiplexer.
 *
 * <p>Every HTTP/2 stream is a child channel that speaks Netty's HTTP/1-style message objects
 * ({@link dev.weft.proxy.h2.H2StreamCodec}), so the request path in
 * {@code dev.weft.proxy.http} handles an HTTP/2 stream exactly like an HTTP/1.1 connection carrying one request:
 * routing, filters, attempts and trailers are shared, and the protocol of each hop is chosen independently.
 *
 * <ul>
 *   <li>{@link dev.weft.proxy.h2.H2ServerPipeline}: a downstream connection that opened with the HTTP/2 preface
 *       (h2c prior knowledge; h2 by ALPN once TLS exists) becomes a multiplexed connection whose streams each get a
 *       {@link dev.weft.proxy.http.DownstreamHandler}.</li>
 *   <li>{@link dev.weft.proxy.h2.H2UpstreamConnection}: one multiplexed connection per event loop per endpoint;
 *       each request attempt opens a stream on it, so requests, not connections, are balanced.</li>
 * </ul>
 *
 * <p>Flow control: stream channels read manually; a stream's WINDOW_UPDATE is sent only when its child channel has
 * consumed the data, i.e. when the other side of the proxy has taken it. A slow reader therefore stalls its own
 * stream's sender instead of making the proxy buffer.
 */
package dev.weft.proxy.h2;
