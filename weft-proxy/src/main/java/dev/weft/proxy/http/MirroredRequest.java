package dev.weft.proxy.http;

import dev.weft.dataplane.cluster.Cluster;
import dev.weft.dataplane.cluster.LbContext;
import dev.weft.dataplane.cluster.UpstreamHost;
import dev.weft.dataplane.mirror.MirrorPolicy;
import dev.weft.proxy.upstream.UpstreamConnection;
import dev.weft.proxy.upstream.UpstreamConnectionPool;
import dev.weft.proxy.upstream.UpstreamListener;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;

/**
 * A fire-and-forget copy of a request to a route's mirror cluster (Envoy's shadowing): same method, path, headers
 * and body, Host with {@code -shadow} appended; the response is read and thrown away, failures are ignored. It shares
 * the event loop's upstream pool but never touches the exchange it copies, so it cannot delay or change the main
 * response. {@link MirrorCopies} decides which copies to make and collects the body they carry.
 */
final class MirroredRequest implements UpstreamListener {
    private final FullHttpRequest copy;
    private final UpstreamHost host;
    private UpstreamConnection connection;
    private boolean done;
    private boolean written;
    private boolean keepAlive = true;

    private MirroredRequest(FullHttpRequest copy, UpstreamHost host) {
        this.copy = copy;
        this.host = host;
    }

    /** Whether {@code request} has no body (a copy can go at once). */
    static boolean bodyless(HttpRequest request) {
        return !HttpUtil.isTransferEncodingChunked(request) && HttpUtil.getContentLength(request, 0L) == 0L;
    }

    /** The head of a copy of {@code request} as it goes upstream, without body, Host suffixed unless disabled. */
    static HttpRequest copyHead(MirrorPolicy policy, HttpRequest request) {
        HttpRequest head = new DefaultHttpRequest(HttpVersion.HTTP_1_1, request.method(), request.uri());
        head.headers().set(request.headers());
        String authority = request.headers().get(HttpHeaderNames.HOST, "");
        if (policy.shadowHostSuffix() && !authority.isEmpty()) {
            head.headers().set(HttpHeaderNames.HOST, MirrorPolicy.shadowHost(authority));
        }
        head.headers().remove(HttpHeaderNames.CONTENT_LENGTH);
        head.headers().remove(HttpHeaderNames.TRANSFER_ENCODING);
        return head;
    }

    /**
     * Sends {@code head} with {@code body} (owned by this call: sent or released) to a host of {@code cluster};
     * false when the cluster has no healthy host. Never throws.
     */
    static boolean send(Cluster cluster, HttpRequest head, ByteBuf body, UpstreamConnectionPool pool) {
        UpstreamHost host = cluster.pick(LbContext.NONE);
        if (host == null) {
            body.release();
            return false;
        }
        FullHttpRequest copy = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, head.method(), head.uri(), body,
                head.headers().copy(), EmptyHttpHeaders.INSTANCE);
        HttpUtil.setContentLength(copy, body.readableBytes());
        MirroredRequest mirror = new MirroredRequest(copy, host);
        host.onRequestStart();
        pool.acquire(cluster, host, mirror, false);
        return true;
    }

    @Override
    public void onConnected(UpstreamConnection c) {
        if (done) {
            c.release(true);
            return;
        }
        connection = c;
        written = true; // the channel owns the copy now and releases it once written
        c.channel().writeAndFlush(copy);
        c.read();
    }

    @Override
    public void onConnectFailed(Throwable cause) {
        end();
    }

    @Override
    public void onResponse(HttpObject message) {
        boolean last = message instanceof LastHttpContent;
        if (message instanceof HttpResponse r) {
            keepAlive = HttpUtil.isKeepAlive(r);
        }
        ReferenceCountUtil.release(message); // the shadow's answer is nobody's business
        if (last && !done) {
            end();
            connection.release(keepAlive);
        }
    }

    @Override
    public void onReadComplete() {
        if (!done && connection != null) {
            connection.read();
        }
    }

    @Override
    public void onUpstreamWritable() {}

    @Override
    public void onUpstreamClosed(Throwable cause) {
        end();
    }

    private void end() {
        if (!done) {
            done = true;
            host.onRequestEnd();
            if (!written) {
                ReferenceCountUtil.release(copy);
            }
        }
    }
}
