package dev.weft.proxy.http;

import dev.weft.dataplane.cluster.Cluster;
import dev.weft.dataplane.cluster.LbContext;
import dev.weft.dataplane.cluster.UpstreamHost;
import dev.weft.dataplane.mirror.MirrorPolicy;
import dev.weft.proxy.upstream.UpstreamConnection;
import dev.weft.proxy.upstream.UpstreamConnectionPool;
import dev.weft.proxy.upstream.UpstreamListener;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
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
 * A fire-and-forget copy of a request to a route's mirror cluster (Envoy's shadowing): same method, path and
 * headers, Host with {@code -shadow} appended; the response is read and thrown away, failures are ignored. It shares
 * the event loop's upstream pool but never touches the exchange it copies, so it cannot delay or change the main
 * response. Only requests without a body are mirrored: the body streams to the main upstream and is not buffered
 * for a copy.
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

    /** Whether {@code request} can be mirrored: it has no body. */
    static boolean mirrorable(HttpRequest request) {
        return !HttpUtil.isTransferEncodingChunked(request) && HttpUtil.getContentLength(request, 0L) == 0L;
    }

    /** Sends the copy when the policy's draw says so and the cluster has a healthy host; never throws. */
    static void send(MirrorPolicy policy, Cluster cluster, HttpRequest request, UpstreamConnectionPool pool) {
        if (cluster == null || !policy.draw()) {
            return;
        }
        UpstreamHost host = cluster.pick(LbContext.NONE);
        if (host == null) {
            return;
        }
        FullHttpRequest copy = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, request.method(), request.uri());
        copy.headers().set(request.headers());
        String authority = request.headers().get(HttpHeaderNames.HOST, "");
        if (policy.shadowHostSuffix() && !authority.isEmpty()) {
            copy.headers().set(HttpHeaderNames.HOST, MirrorPolicy.shadowHost(authority));
        }
        copy.headers().remove(HttpHeaderNames.CONTENT_LENGTH);
        copy.headers().remove(HttpHeaderNames.TRANSFER_ENCODING);
        HttpUtil.setContentLength(copy, 0);
        MirroredRequest mirror = new MirroredRequest(copy, host);
        host.onRequestStart();
        pool.acquire(host, cluster.config().http2(), cluster.config().tls(), cluster.config().connectTimeout(),
                mirror, false);
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
