/**
 * The HTTP/1.1 request path of a listener.
 *
 * <p>A {@link dev.weft.proxy.http.DownstreamHandler} owns one downstream connection and runs one
 * {@link dev.weft.proxy.http.HttpExchange} at a time. An exchange reads the current
 * {@link dev.weft.proxy.view.DataPlaneView} once, runs the listener's {@link dev.weft.proxy.http.HttpFilter}s
 * (request id, forwarded headers; later authorization, rate limits, fault injection), routes with the compiled
 * {@link dev.weft.dataplane.routing.Router}, and either answers locally ({@link dev.weft.proxy.http.LocalReply} with
 * an Envoy response flag) or hands the request to an {@link dev.weft.proxy.http.UpstreamAttempt}: one try on one
 * host over a connection from the event loop's own pool. Retries and per-try timeouts will create further attempts.
 * An HTTP/2 stream (downstream or upstream, {@code dev.weft.proxy.h2}) looks to this package like an HTTP/1.1
 * connection carrying one request: the same exchange serves both, whatever protocol each hop speaks.
 *
 * <p>Everything here runs on the downstream connection's event loop, upstream connections included, so nothing is
 * locked. Bodies stream: both sides read manually (auto-read off) and read again only while the other side's
 * socket is writable.
 */
package dev.weft.proxy.http;
