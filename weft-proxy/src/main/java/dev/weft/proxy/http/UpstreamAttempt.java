package dev.weft.proxy.http;

import dev.weft.dataplane.cluster.UpstreamHost;
import dev.weft.proxy.upstream.UpstreamConnection;
import dev.weft.proxy.upstream.UpstreamConnectionPool;
import dev.weft.proxy.upstream.UpstreamListener;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.ReferenceCountUtil;
import java.time.Duration;
import java.util.ArrayDeque;

/**
 * One try of a request against one upstream host: takes a pooled connection, streams the request there and the
 * response back. Retries (with body replay) and per-try timeouts will create several of these per exchange.
 */
final class UpstreamAttempt implements UpstreamListener {
    private final HttpExchange exchange;
    private final UpstreamHost host;
    private final Duration connectTimeout;
    private UpstreamConnection connection;
    private boolean requestSent;
    private boolean skippingInformational;
    private boolean keepAliveUpstream;
    private boolean readPending; // a read waits for the downstream to drain
    private boolean done;
    private final boolean freshConnection;
    private boolean bodySent; // request body bytes went out: this attempt cannot be replayed
    private boolean responseSeen;
    /** The upstream answered an upgrade request with 101: the end of that response hands the connection over. */
    private boolean switching;
    /** Body parts that came before the connection (at most one socket read's worth); made on first need. */
    private ArrayDeque<HttpContent> early;
    /** Waiting in the cluster's pending queue for a connection; null otherwise. */
    private dev.weft.proxy.upstream.PendingAcquire pending;

    UpstreamAttempt(HttpExchange exchange, UpstreamHost host, Duration connectTimeout, boolean freshConnection) {
        this.exchange = exchange;
        this.host = host;
        this.connectTimeout = connectTimeout;
        this.freshConnection = freshConnection;
        exchange.record().upstreamHost = host; // the last attempt's host is the one telemetry reports
    }

    void start(UpstreamConnectionPool pool) {
        host.onRequestStart();
        if (exchange.isUpgrade()) {
            pending = pool.acquireDedicated(exchange.cluster(), host, this);
            return;
        }
        pending = pool.acquire(exchange.cluster(), host, this, freshConnection, exchange.downstreamHttp2());
    }

    @Override
    public void onPending(dev.weft.proxy.upstream.PendingAcquire waiting) {
        pending = waiting;
    }

    /** The cluster's connections and pending queue are full: 503 {@code UO} at once, never queued without bound. */
    @Override
    public void onPoolOverflow() {
        if (done) {
            return;
        }
        end();
        exchange.onUpstreamOverflow();
    }

    UpstreamHost host() {
        return host;
    }

    Duration connectTimeout() {
        return connectTimeout;
    }

    boolean isDone() {
        return done;
    }

    @Override
    public void onConnected(UpstreamConnection c) {
        pending = null;
        if (done) {
            c.release(true); // cancelled while connecting; the connection itself is fine
            return;
        }
        this.connection = c;
        exchange.record().upstreamChannel = c.channel(); // destination_principal: the upstream certificate
        // a head that cannot be written (e.g. a new HTTP/2 stream after a GOAWAY) closes the stream: the attempt hears
        // of it as a closed upstream instead of waiting for an answer that never comes
        if (c.channel() instanceof Http2StreamChannel stream) {
            stream.write(exchange.upstreamRequestHead()).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
        } else { // no promise per write on HTTP/1.1: a failed write fires exceptionCaught, which closes the connection
            c.channel().write(exchange.upstreamRequestHead(), c.channel().voidPromise());
        }
        if (early != null) {
            for (HttpContent content = early.poll(); content != null; content = early.poll()) {
                writeBody(content);
            }
        }
        c.channel().flush();
        c.read();
        exchange.onUpstreamReady();
    }

    @Override
    public void onConnectFailed(Throwable cause) {
        pending = null;
        if (done) {
            return;
        }
        end();
        exchange.onUpstreamFailure(ResponseFlag.UF, 503,
                "upstream connect error or disconnect/reset before headers. reset reason: connection failure"
                        + (cause == null || cause.getMessage() == null ? "" : ", transport failure reason: "
                        + cause.getMessage()) + "\n", false);
    }

    /** Streams one part of the request body; the exchange reads more when upstream stays writable. */
    void sendBody(HttpContent content) {
        if (connection == null) {
            if (early == null) {
                early = new ArrayDeque<>(2);
            }
            early.add(content); // arrived with the head, before the connection: at most one socket read's worth
            return;
        }
        writeBody(content);
    }

    private void writeBody(HttpContent content) {
        if (content instanceof LastHttpContent) {
            requestSent = true;
        }
        if (content.content().isReadable()) {
            bodySent = true;
        }
        Channel ch = connection.channel();
        if (ch instanceof Http2StreamChannel) {
            ch.writeAndFlush(content);
        } else {
            ch.writeAndFlush(content, ch.voidPromise()); // as the head: a failure closes the connection
        }
    }

    /** Connected and not pushing back: more request body may be read. */
    boolean canTakeBody() {
        return connection != null && connection.channel().isWritable();
    }

    @Override
    public void onUpstreamWritable() {
        if (!done && !requestSent) {
            exchange.requestMoreBody();
        }
    }

    @Override
    public void onResponse(HttpObject message) {
        if (done) {
            ReferenceCountUtil.release(message);
            return;
        }
        responseSeen = true;
        if (message instanceof HttpResponse response) {
            HttpResponseStatus status = response.status();
            if (status.codeClass() == io.netty.handler.codec.http.HttpStatusClass.INFORMATIONAL
                    && status.code() != 101) {
                skippingInformational = true; // 100 Continue was answered by this proxy already
            } else {
                keepAliveUpstream = HttpUtil.isKeepAlive(response);
                if (status.code() == 101) {
                    if (!exchange.isUpgrade()) { // a switch nobody asked for: the connection cannot be trusted
                        ReferenceCountUtil.release(response);
                        onUpstreamClosed(null);
                        connection.release(false);
                        return;
                    }
                    switching = true;
                }
                exchange.onResponseHead(response);
                if (done) {
                    return; // the exchange retries elsewhere and released this response
                }
            }
        }
        if (message instanceof HttpContent content) {
            if (skippingInformational) {
                content.release();
                if (content instanceof LastHttpContent) {
                    skippingInformational = false;
                }
            } else if (switching) {
                // the 101 is complete (it has no body): from here the connection carries the new protocol's bytes
                content.release();
                done = true; // the host counts the upgraded connection as active until it closes
                connection.channel().closeFuture().addListener(f -> host.onRequestEnd());
                exchange.onUpgraded(connection);
            } else if (content instanceof LastHttpContent) {
                boolean reusable = keepAliveUpstream && requestSent;
                end();
                connection.release(reusable);
                exchange.onResponseContent(content);
            } else {
                exchange.onResponseContent(content);
            }
        }
    }

    /** After each batch read from upstream: flush downstream and read on only while it keeps up. */
    @Override
    public void onReadComplete() {
        if (done) {
            return;
        }
        exchange.flushDownstream();
        if (exchange.downstreamWritable()) {
            connection.read();
        } else {
            readPending = true;
        }
    }

    void onDownstreamWritable() {
        if (!done && readPending) {
            readPending = false;
            connection.read();
        }
    }

    @Override
    public void onUpstreamClosed(Throwable cause) {
        if (done) {
            return;
        }
        end();
        if (connection != null && !responseSeen && !bodySent && connection.neverProcessed()) {
            exchange.onStreamRefused(); // above a GOAWAY's last stream id: never processed, goes again elsewhere
            return;
        }
        // A pooled connection the server closed just as it was reused: the request never reached the application,
        // so it may go again once on a new connection (what HTTP clients do for this race).
        boolean staleReuse = connection != null && connection.requestCount() > 1 && !responseSeen && !bodySent;
        javax.net.ssl.SSLException tls = responseSeen ? null : tlsFailure(cause);
        if (tls != null) {
            // the peer refused at the TLS level (with TLS 1.3 a server checks the client certificate only after the
            // client sent its request): a connect failure that names why, not a bare connection termination
            exchange.onUpstreamFailure(ResponseFlag.UF, 503, "upstream connect error or disconnect/reset before "
                    + "headers. reset reason: connection failure, transport failure reason: " + tls.getMessage()
                    + "\n", staleReuse);
            return;
        }
        exchange.onUpstreamFailure(ResponseFlag.UC, 503,
                "upstream connect error or disconnect/reset before headers. reset reason: connection termination\n",
                staleReuse);
    }

    /** The TLS error that closed the connection (an HTTP/2 stream's: its connection's), or null. */
    private javax.net.ssl.SSLException tlsFailure(Throwable cause) {
        if (cause == null && connection != null && connection.channel() instanceof Http2StreamChannel stream) {
            cause = stream.parent().attr(dev.weft.proxy.h2.H2UpstreamConnection.CLOSE_CAUSE).get();
        }
        for (Throwable t = cause; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof javax.net.ssl.SSLException) {
                return dev.weft.proxy.tls.TlsHandshakeFailure.of(t);
            }
        }
        return null;
    }

    /** Abandons the attempt (timeout, downstream gone): the connection is in an unknown state and is closed. */
    void cancel() {
        if (done) {
            return;
        }
        end();
        if (pending != null) {
            pending.cancel(); // still waiting for a connection: leave the cluster's pending queue
            pending = null;
        }
        if (connection != null) {
            connection.release(false);
        }
    }

    private void end() {
        if (early != null) {
            for (HttpContent content = early.poll(); content != null; content = early.poll()) {
                content.release();
            }
        }
        if (!done) {
            done = true;
            host.onRequestEnd();
        }
    }
}
