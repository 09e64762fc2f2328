package dev.weft.proxy.upstream;

import io.netty.handler.codec.http.HttpObject;

/** Receives the events of one upstream request attempt; every call happens on the attempt's event loop. */
public interface UpstreamListener {
    void onConnected(UpstreamConnection connection);

    void onConnectFailed(Throwable cause);

    /** A response head or body part; ownership passes to the listener. */
    void onResponse(HttpObject message);

    /** The end of one batch of reads: time to flush downstream and decide whether to read more. */
    void onReadComplete();

    /** The upstream connection can take more request body again. */
    void onUpstreamWritable();

    /** The connection closed or failed while this listener was using it. */
    void onUpstreamClosed(Throwable cause);

    /**
     * No connection now and the cluster's pending queue is full ({@code max_pending_requests}): Envoy answers 503
     * with flag {@code UO}. By default a connect failure.
     */
    default void onPoolOverflow() {
        onConnectFailed(new java.io.IOException("upstream connection pool overflow"));
    }

    /** The request waits for a connection again (its HTTP/2 stream had to move); {@code pending} cancels the wait. */
    default void onPending(PendingAcquire pending) {}
}
