package dev.weft.proxy.upstream;

import dev.weft.dataplane.cluster.Cluster;
import dev.weft.dataplane.cluster.UpstreamHost;
import dev.weft.dataplane.config.ClusterConfig;
import dev.weft.dataplane.config.Endpoint;
import dev.weft.dataplane.pool.ClusterConnections;
import dev.weft.dataplane.pool.ConnectionPoolConfig;
import dev.weft.dataplane.tls.UpstreamTls;
import dev.weft.proxy.h2.H2UpstreamConnection;
import dev.weft.proxy.http.TrustedHeaderNames;
import dev.weft.proxy.net.IdleTimer;
import dev.weft.proxy.net.Transport;
import dev.weft.proxy.tls.MeshTlsContexts;
import dev.weft.proxy.tls.MeshTlsProvider;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioChannelOption;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import javax.net.ssl.SSLException;

/**
 * Connections from one event loop to every endpoint it talks to (Envoy's per-worker pools): a request uses a
 * connection of its own loop, so nothing here is shared between threads except each cluster's
 * {@link ClusterConnections} budget (atomics). HTTP/1.1 endpoints get a pool of keep-alive connections, one request
 * each at a time; HTTP/2 endpoints — every endpoint fronted by a Weft sidecar, and the endpoints of clusters
 * configured for HTTP/2 — get multiplexed connections, a stream per request, another connection when the server's
 * stream limit is reached. At the cluster's {@code max_connections} a request waits in the cluster's bounded pending
 * queue ({@link PendingAcquire}); when that is full it is refused at once ({@link UpstreamListener#onPoolOverflow}).
 */
public final class UpstreamConnectionPool {
    static final int MAX_IDLE_PER_ENDPOINT = 64;

    private final EventLoop loop;
    private final Bootstrap bootstrap;
    private final boolean epoll;
    /** Per cluster (by its connection budget, which survives config pushes), per TLS rule (null: plaintext). */
    private final Map<ClusterConnections, Map<UpstreamTls, Map<String, EndpointPool>>> pools = new HashMap<>();
    private final MeshTlsProvider meshTls;
    /**
     * Per mesh-mTLS endpoint address: whether ALPN chose h2 (true) or http/1.1 (false) on the last handshake. Such
     * connections offer both and are opened as h2 until a peer chooses http/1.1 (then the request moves to an HTTP/1.1
     * connection and later ones go there at once), whatever the cluster declares — Envoy's ALPN auto_config.
     */
    private final Map<String, Boolean> negotiatedHttp2 = new HashMap<>();

    UpstreamConnectionPool(EventLoop loop, Transport transport) {
        this(loop, transport, MeshTlsProvider.NONE);
    }

    UpstreamConnectionPool(EventLoop loop, Transport transport, MeshTlsProvider meshTls) {
        this.loop = loop;
        this.bootstrap = transport.clientBootstrap(loop);
        this.epoll = transport.isNativeEpoll();
        this.meshTls = meshTls;
    }

    EventLoop loop() {
        return loop;
    }

    /**
     * One acquisition: where to, how, and who gets the connection; it waits for an HTTP/2 stream as itself.
     * {@code meshAlpn}: mesh mTLS offering h2 and http/1.1, where ALPN decides the protocol; {@code dedicated}: an
     * upgrade's HTTP/1.1 connection of its own (see {@link #acquireDedicated}).
     */
    record Request(UpstreamConnectionPool owner, EndpointPool pool, Endpoint endpoint, boolean http2,
                   Duration connectTimeout, Consumer<Channel> tls, UpstreamListener listener, boolean fresh,
                   boolean meshAlpn, boolean dedicated)
            implements H2UpstreamConnection.StreamWaiter {
        Request withHttp2(boolean useHttp2) {
            return new Request(owner, pool, endpoint, useHttp2, connectTimeout, tls, listener, false, meshAlpn,
                    dedicated);
        }

        @Override
        public void onStream(Http2StreamChannel stream, int streamsBefore) {
            UpstreamConnection c = stream.pipeline().get(UpstreamConnection.class);
            if (c == null || !stream.isActive()) {
                // the connection went away (GOAWAY, close) before the stream could carry anything: it was never
                // sent, so another connection takes the request
                stream.close();
                onNoCapacity();
                return;
            }
            c.attachStream(listener, streamsBefore);
            listener.onConnected(c);
        }

        @Override
        public void onStreamFailed(Throwable cause) {
            if (cause instanceof H2UpstreamConnection.NegotiatedHttp1Exception && meshAlpn) {
                owner.negotiatedHttp2.put(pool.address(), false); // the peer chose HTTP/1.1 by ALPN: use it from now on
                PendingAcquire pending = owner.acquireHttp1(withHttp2(false));
                if (pending != null) {
                    listener.onPending(pending);
                }
                return;
            }
            listener.onConnectFailed(cause);
        }

        @Override
        public void onNoCapacity() {
            PendingAcquire pending = owner.acquireStream(this);
            if (pending != null) {
                listener.onPending(pending);
            }
        }
    }

    /**
     * Hands {@code listener} a connection of {@code cluster} to {@code host}: an idle one (unless {@code fresh}) or a
     * free HTTP/2 stream at once, a new one once connected, or — at the cluster's {@code max_connections} — one that
     * frees up later: then the request waits and the returned handle cancels the wait. Null when not waiting. A full
     * pending queue answers {@link UpstreamListener#onPoolOverflow()} at once. {@code fresh} on HTTP/2 means a stream
     * on a new connection.
     */
    public PendingAcquire acquire(Cluster cluster, UpstreamHost host, UpstreamListener listener, boolean fresh) {
        return acquire(cluster, host, listener, fresh, false);
    }

    /**
     * As {@link #acquire(Cluster, UpstreamHost, UpstreamListener, boolean)}; {@code downstreamHttp2}: the request came
     * in over HTTP/2, which a cluster with {@code use_downstream_protocol_config} keeps upstream (h2c).
     */
    public PendingAcquire acquire(Cluster cluster, UpstreamHost host, UpstreamListener listener, boolean fresh,
                                  boolean downstreamHttp2) {
        assert loop.inEventLoop();
        ClusterConfig config = cluster.config();
        UpstreamTls tls = config.tls();
        Endpoint endpoint = host.endpoint();
        Consumer<Channel> tlsInstaller = null;
        boolean http2 = config.http2() || endpoint.sidecar() || config.useDownstreamProtocol() && downstreamHttp2;
        boolean meshAlpn = false;
        if (tls != null && tls.origination() != null) {
            // DestinationRule SIMPLE / MUTUAL: files, not the workload identity; HTTP/1.1 only (no h2 ALPN offered
            // to servers outside the mesh)
            tlsInstaller = originationInstaller(endpoint, tls, listener);
            if (tlsInstaller == null) {
                return null;
            }
            http2 = false;
        } else if (tls != null) {
            meshAlpn = true;
            tlsInstaller = meshTlsInstaller(endpoint, tls, MeshTlsContexts.Alpn.H2_OR_HTTP1);
            if (tlsInstaller == null) {
                listener.onConnectFailed(noCertificate());
                return null;
            }
            // mesh mTLS: h2 unless ALPN chose http/1.1 last time (the cluster's protocol is only a guess here)
            http2 = negotiatedHttp2.getOrDefault(host.address(), true);
        }
        EndpointPool pool = endpointPool(cluster, host);
        Request request = new Request(this, pool, endpoint, http2, config.connectTimeout(), tlsInstaller, listener,
                fresh, meshAlpn, false);
        return http2 ? acquireStream(request) : acquireHttp1(request);
    }

    /**
     * A new HTTP/1.1 connection of {@code cluster} to {@code host} for one request that asks for a protocol upgrade
     * (WebSocket): never pooled and never HTTP/2 — not even to a sidecar, whose hop is otherwise multiplexed, since an
     * HTTP/2 stream cannot carry an Upgrade. It holds a slot of the cluster's {@code max_connections} until it closes
     * (after a {@code 101} the request takes the channel over; after any other response it is closed), so at the limit
     * the request waits in the pending queue like others. Returns the wait's handle, or null when not waiting.
     */
    public PendingAcquire acquireDedicated(Cluster cluster, UpstreamHost host, UpstreamListener listener) {
        assert loop.inEventLoop();
        ClusterConfig config = cluster.config();
        UpstreamTls tls = config.tls();
        Endpoint endpoint = host.endpoint();
        Consumer<Channel> tlsInstaller = null;
        if (tls != null && tls.origination() != null) {
            tlsInstaller = originationInstaller(endpoint, tls, listener); // offers no ALPN: HTTP/1.1
            if (tlsInstaller == null) {
                return null;
            }
        } else if (tls != null) {
            tlsInstaller = meshTlsInstaller(endpoint, tls, MeshTlsContexts.Alpn.HTTP1_ONLY); // an Upgrade needs HTTP/1.1
            if (tlsInstaller == null) {
                listener.onConnectFailed(noCertificate());
                return null;
            }
        }
        Request request = new Request(this, endpointPool(cluster, host), endpoint, false, config.connectTimeout(),
                tlsInstaller, listener, true, false, true);
        if (request.pool().state().tryOpen()) {
            open(request);
            return null;
        }
        return waitForConnection(request);
    }

    /**
     * After a config update: forgets the pools of clusters not in {@code live} (removed), of endpoints a live cluster
     * no longer has, and of a live cluster's former TLS rule. Their idle connections close, HTTP/2 connections take no
     * new streams and close after their last one, busy HTTP/1.1 connections close when their request ends. On this
     * pool's loop.
     */
    void retainClusters(Map<ClusterConnections, UpstreamPools.LiveCluster> live) {
        assert loop.inEventLoop();
        Set<String> pooledAddresses = new HashSet<>();
        for (var it = pools.entrySet().iterator(); it.hasNext(); ) {
            var cluster = it.next();
            UpstreamPools.LiveCluster now = live.get(cluster.getKey());
            for (var byTls = cluster.getValue().entrySet().iterator(); byTls.hasNext(); ) {
                var tls = byTls.next();
                boolean tlsLive = now != null && Objects.equals(tls.getKey(), now.tls());
                for (var byAddress = tls.getValue().entrySet().iterator(); byAddress.hasNext(); ) {
                    var endpoint = byAddress.next();
                    if (tlsLive && now.addresses().contains(endpoint.getKey())) {
                        pooledAddresses.add(endpoint.getKey());
                    } else {
                        byAddress.remove();
                        endpoint.getValue().retire();
                    }
                }
                if (tls.getValue().isEmpty()) {
                    byTls.remove();
                }
            }
            if (cluster.getValue().isEmpty()) {
                it.remove();
            }
        }
        negotiatedHttp2.keySet().retainAll(pooledAddresses); // learned again at the next handshake
    }

    /** The clusters this loop has pools for (diagnostics; on this pool's loop). */
    java.util.Set<ClusterConnections> pooledClusters() {
        return java.util.Set.copyOf(pools.keySet());
    }

    private EndpointPool endpointPool(Cluster cluster, UpstreamHost host) {
        Map<String, EndpointPool> byAddress = pools.computeIfAbsent(cluster.connections(), c -> new HashMap<>())
                .computeIfAbsent(cluster.config().tls(), t -> new HashMap<>());
        EndpointPool pool = byAddress.get(host.address()); // no capturing lambda per request
        if (pool == null) {
            pool = new EndpointPool(host.address(), cluster.connections(), MAX_IDLE_PER_ENDPOINT);
            byAddress.put(host.address(), pool);
        }
        pool.settings(cluster.config().connectionPool());
        return pool;
    }

    private static SSLException noCertificate() {
        return new SSLException("the cluster requires mesh mTLS but this proxy has no workload certificate (start it"
                + " with --token-file)");
    }

    /** Adds DestinationRule SIMPLE/MUTUAL TLS first in a new channel; null (the listener told) when its files fail. */
    private static Consumer<Channel> originationInstaller(Endpoint endpoint, UpstreamTls tls, UpstreamListener listener) {
        SslContext origination;
        try {
            origination = dev.weft.proxy.tls.OriginationTlsContexts.clientFor(tls);
        } catch (SSLException e) {
            listener.onConnectFailed(e);
            return null;
        }
        return ch -> ch.pipeline().addFirst("origination-tls",
                origination.newHandler(ch.alloc(), tls.sni().isEmpty() ? endpoint.host() : tls.sni(), endpoint.port()));
    }

    /** Adds the mesh TLS client handler first in a new channel; null when this proxy has no certificate. */
    private Consumer<Channel> meshTlsInstaller(Endpoint endpoint, UpstreamTls tls, MeshTlsContexts.Alpn alpn) {
        MeshTlsContexts contexts = meshTls.current();
        if (contexts == null) {
            return null;
        }
        return ch -> ch.pipeline().addFirst("mesh-tls", contexts.clientFor(tls, alpn)
                .newHandler(ch.alloc(), tls.sni().isEmpty() ? endpoint.host() : tls.sni(), endpoint.port()));
    }

    PendingAcquire acquireHttp1(Request request) {
        EndpointPool pool = request.pool();
        if (!request.fresh()) {
            UpstreamConnection idle = pool.poll();
            if (idle != null) {
                idle.attach(request.listener());
                request.listener().onConnected(idle);
                return null;
            }
        }
        if (pool.state().tryOpen()) {
            open(request);
            return null;
        }
        return waitForConnection(request);
    }

    PendingAcquire acquireStream(Request request) {
        EndpointPool pool = request.pool();
        H2UpstreamConnection connection = request.fresh() ? null : pool.http2WithCapacity();
        if (connection != null) {
            connection.openStream(request);
            return null;
        }
        if (pool.state().tryOpen()) {
            open(request);
            return null;
        }
        return waitForConnection(request);
    }

    private PendingAcquire waitForConnection(Request request) {
        PendingAcquire pending = new PendingAcquire(this, request);
        if (!request.pool().state().enqueue(pending)) {
            request.listener().onPoolOverflow();
            return null;
        }
        return pending;
    }

    void openStreamOn(H2UpstreamConnection connection, Request request) {
        connection.openStream(request);
    }

    /** Opens a new connection for {@code request}, which holds a slot of the cluster's budget. */
    void open(Request request) {
        EndpointPool pool = request.pool();
        ConnectionPoolConfig settings = pool.settings();
        Duration idle = settings.idleTimeout();
        long idleMillis = idle == null || idle.isZero() ? 0 : Math.max(1, idle.toMillis());
        Endpoint endpoint = request.endpoint();
        InetSocketAddress address = InetSocketAddress.createUnresolved(endpoint.host(), endpoint.port());
        Bootstrap b = connectBootstrap(request.connectTimeout(), settings.keepalive());
        if (request.http2()) {
            H2UpstreamConnection connection = H2UpstreamConnection.connect(b, address, idleMillis, request.tls(),
                    UpstreamConnection::forStream, settings.maxRequestsPerConnection(), new Http2Events(pool));
            Channel ch = connection.channel();
            ch.closeFuture().addListener(f -> pool.state().release());
            expireAfter(ch, settings, () -> {
                pool.state().closedMaxDuration();
                connection.drain();
            });
            pool.addHttp2(connection);
            connection.openStream(request);
            return;
        }
        boolean dedicated = request.dedicated();
        UpstreamConnection connection = dedicated ? UpstreamConnection.dedicated(pool) : new UpstreamConnection(pool);
        Consumer<Channel> tls = request.tls();
        ChannelFuture connect = b.handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (tls != null) {
                            tls.accept(ch); // requests written before the handshake ends wait in the SslHandler
                        }
                        if (idleMillis > 0 && !dedicated) { // an upgraded connection: the downstream's idle timeout
                            ch.pipeline().addLast(new IdleTimer(idleMillis, TimeUnit.MILLISECONDS));
                        }
                        // no FlowControlHandler: a response's head and body decoded from one socket read reach
                        // the attempt in that read (one read-complete, not one per part); reading is still manual,
                        // so at most one socket read's worth waits for a slow downstream
                        ch.pipeline().addLast(new HttpClientCodec(new HttpDecoderConfig().setMaxInitialLineLength(4096)
                                .setMaxHeaderSize(16 * 1024).setMaxChunkSize(16 * 1024)
                                .setHeadersFactory(TrustedHeaderNames.HEADERS), false, false), connection);
                    }
                })
                // unresolved on purpose: the bootstrap's resolver looks DNS names up without blocking the loop
                .connect(address);
        connect.channel().closeFuture().addListener(f -> pool.state().release());
        if (!dedicated) {
            expireAfter(connect.channel(), settings, connection::expire);
        }
        UpstreamListener listener = request.listener();
        connect.addListener(f -> {
            SslHandler ssl = f.isSuccess() ? connect.channel().pipeline().get(SslHandler.class) : null;
            if (ssl == null) {
                if (f.isSuccess()) {
                    connection.attach(listener);
                    listener.onConnected(connection);
                } else {
                    listener.onConnectFailed(f.cause());
                }
                return;
            }
            // TLS: the request waits for the handshake, whose ALPN may say the peer speaks h2
            ssl.handshakeFuture().addListener(hs -> {
                String alpn = ssl.applicationProtocol();
                if (!hs.isSuccess()) {
                    // a failed handshake is a connect failure (503 UF) that names the TLS error
                    listener.onConnectFailed(dev.weft.proxy.tls.TlsHandshakeFailure.of(hs.cause()));
                } else if (request.meshAlpn() && ApplicationProtocolNames.HTTP_2.equals(alpn)) {
                    negotiatedHttp2.put(pool.address(), true);
                    connect.channel().close(); // its slot goes back (or to a waiter) as it closes
                    PendingAcquire pending = acquireStream(request.withHttp2(true));
                    if (pending != null) {
                        listener.onPending(pending);
                    }
                } else {
                    if (alpn != null && request.meshAlpn()) {
                        negotiatedHttp2.put(pool.address(), false);
                    }
                    connection.attach(listener);
                    listener.onConnected(connection);
                }
            });
        });
    }

    /** {@code max_connection_duration}: {@code onExpiry} runs when the connection is that old. */
    private static void expireAfter(Channel ch, ConnectionPoolConfig settings, Runnable onExpiry) {
        Duration max = settings.maxConnectionDuration();
        if (max == null) {
            return;
        }
        ScheduledFuture<?> timer = ch.eventLoop().schedule(onExpiry, Math.max(1, max.toMillis()), TimeUnit.MILLISECONDS);
        ch.closeFuture().addListener(f -> timer.cancel(false));
    }

    private Bootstrap connectBootstrap(Duration connectTimeout, ConnectionPoolConfig.TcpKeepalive keepalive) {
        long timeoutMillis = connectTimeout == null || connectTimeout.isZero() ? 10_000 : connectTimeout.toMillis();
        Bootstrap b = bootstrap.clone()
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, timeoutMillis));
        if (keepalive != null) {
            b.option(ChannelOption.SO_KEEPALIVE, true);
            if (epoll) {
                if (keepalive.timeSeconds() > 0) {
                    b.option(EpollChannelOption.TCP_KEEPIDLE, keepalive.timeSeconds());
                }
                if (keepalive.intervalSeconds() > 0) {
                    b.option(EpollChannelOption.TCP_KEEPINTVL, keepalive.intervalSeconds());
                }
                if (keepalive.probes() > 0) {
                    b.option(EpollChannelOption.TCP_KEEPCNT, keepalive.probes());
                }
            } else {
                if (keepalive.timeSeconds() > 0) {
                    b.option(NioChannelOption.of(jdk.net.ExtendedSocketOptions.TCP_KEEPIDLE), keepalive.timeSeconds());
                }
                if (keepalive.intervalSeconds() > 0) {
                    b.option(NioChannelOption.of(jdk.net.ExtendedSocketOptions.TCP_KEEPINTERVAL),
                            keepalive.intervalSeconds());
                }
                if (keepalive.probes() > 0) {
                    b.option(NioChannelOption.of(jdk.net.ExtendedSocketOptions.TCP_KEEPCOUNT), keepalive.probes());
                }
            }
        }
        return b;
    }

    /** What an HTTP/2 connection tells its endpoint pool. */
    private record Http2Events(EndpointPool pool) implements H2UpstreamConnection.Events {
        @Override
        public void onRetired(H2UpstreamConnection connection) {
            pool.removeHttp2(connection);
        }

        @Override
        public void onStreamCapacity(H2UpstreamConnection connection) {
            pool.onStreamCapacity(connection);
        }

        @Override
        public void onIdleClose() {
            pool.state().closedIdle();
        }
    }
}
