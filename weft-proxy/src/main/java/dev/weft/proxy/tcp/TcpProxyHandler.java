package dev.weft.proxy.tcp;

import dev.weft.dataplane.cluster.Cluster;
import dev.weft.dataplane.cluster.LbContext;
import dev.weft.dataplane.cluster.UpstreamHost;
import dev.weft.dataplane.config.Endpoint;
import dev.weft.dataplane.config.TcpProxyConfig;
import dev.weft.dataplane.tls.UpstreamTls;
import dev.weft.dataplane.authz.AuthorizationEvaluator;
import dev.weft.proxy.authz.NetworkAuthorization;
import dev.weft.proxy.net.Transport;
import dev.weft.proxy.tls.ClientCertHeaderFilter;
import dev.weft.proxy.telemetry.ProxyTelemetry;
import dev.weft.proxy.telemetry.TcpConnectionTelemetry;
import dev.weft.proxy.tls.InboundTlsSniffer;
import dev.weft.proxy.tls.MeshTlsContexts;
import dev.weft.proxy.tls.MeshTlsProvider;
import dev.weft.proxy.view.DataPlaneView;
import dev.weft.proxy.view.ListenerRuntime;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The downstream side of a {@code tcp_proxy} listener's connection: when it opens, picks a cluster (by weight) and
 * one of its healthy endpoints (the cluster's load balancer, as for HTTP), connects on the same event loop, then
 * hands both channels to a {@link TcpRelay} pair. No endpoint, or a failed connect, closes the downstream connection —
 * a byte stream has no way to carry an error. The endpoint counts the connection as one active request while it
 * lives, so least-request balancing sees TCP load too. With network RBAC (AuthorizationPolicy) the connection is
 * judged first — after the mTLS handshake, so the peer's SPIFFE ID is known — and a denied one is closed.
 */
public final class TcpProxyHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(TcpProxyHandler.class);
    private static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);

    private final String listenerName;
    private final Supplier<DataPlaneView> views;
    private final Transport transport;
    private final MeshTlsProvider meshTls;
    private final ProxyTelemetry telemetry; // null: no telemetry
    private final TcpConnectionTelemetry connectionTelemetry; // null: no telemetry
    /** Bytes a TLS sniffer read before the upstream was connected (it asks for the first read itself). */
    private final ArrayDeque<Object> early = new ArrayDeque<>(2);
    private boolean earlyEof;
    /** Network RBAC waits for the peer's identity before anything is connected. */
    private boolean awaitingAuthorization;

    private TcpProxyHandler(String listenerName, Supplier<DataPlaneView> views, Transport transport,
                            MeshTlsProvider meshTls, ProxyTelemetry telemetry, TcpConnectionTelemetry connection) {
        this.listenerName = listenerName;
        this.views = views;
        this.transport = transport;
        this.meshTls = meshTls;
        this.telemetry = telemetry;
        this.connectionTelemetry = connection;
    }

    /** Sets up an accepted connection of a tcp_proxy listener (after any TLS handler). */
    public static void install(SocketChannel ch, String listenerName, TcpProxyConfig config,
                               Supplier<DataPlaneView> views, Transport transport, MeshTlsProvider meshTls) {
        ch.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
        ChannelPipeline p = ch.pipeline();
        long idleMillis = config.idleTimeout().toMillis();
        if (idleMillis > 0) {
            p.addLast(new IdleStateHandler(0, 0, idleMillis, TimeUnit.MILLISECONDS));
        }
        ProxyTelemetry telemetry = views.get().telemetry();
        ListenerRuntime current = views.get().listener(listenerName);
        TcpConnectionTelemetry connection = telemetry == null ? null : telemetry.tcpConnection(listenerName,
                current == null ? dev.weft.dataplane.telemetry.StandardMetric.ALL : current.config().enabledMetrics());
        if (connection != null && p.get(InboundTlsSniffer.class) != null) {
            // mesh TLS may come: the client sidecar's metadata frame is taken off the stream before the relay
            connection.awaitPeer();
            p.addLast("peer-exchange", new PeerMetadataExchange(telemetry.selfStruct(), connection::peer));
        }
        p.addLast(new TcpProxyHandler(listenerName, views, transport, meshTls, telemetry, connection));
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ListenerRuntime listener = views.get().listener(listenerName);
        if (listener != null && listener.config().isTcp() && !listener.config().tcp().rbacFilters().isEmpty()
                && (ctx.pipeline().get(InboundTlsSniffer.class) != null || ctx.pipeline().get(SslHandler.class) != null)) {
            // network RBAC judges the peer's identity: wait for the mTLS handshake (or the first plaintext bytes)
            awaitingAuthorization = true;
        } else {
            start(ctx);
        }
        ctx.fireChannelActive();
    }

    /** Authorizes the connection (when the listener has network RBAC), then connects upstream and relays. */
    private void start(ChannelHandlerContext ctx) {
        awaitingAuthorization = false;
        Channel downstream = ctx.channel();
        TcpConnectionStats stats = new TcpConnectionStats(connectionTelemetry);
        if (connectionTelemetry != null) {
            connectionTelemetry.downstream(downstream);
            stats.track(downstream, telemetry.tcpReportingInterval());
        }
        DataPlaneView view = views.get();
        ListenerRuntime listener = view.listener(listenerName);
        if (listener == null || listener.config().tcp() == null) {
            drainEarly();
            downstream.close(); // the listener was removed or no longer relays TCP
            return;
        }
        TcpProxyConfig config = listener.config().tcp();
        if (!config.rbacFilters().isEmpty()) {
            AuthorizationEvaluator.Decision decision = NetworkAuthorization.evaluate(config, downstream);
            if (view.telemetry() != null) {
                view.telemetry().networkAuthorization().record(listenerName, decision.allowed());
            }
            if (!decision.allowed()) {
                LOG.debug("{}: RBAC denied the connection from {} ({}, policy {})", listenerName,
                        downstream.remoteAddress(), ClientCertHeaderFilter.peerIdentity(downstream), decision.policy());
                drainEarly();
                downstream.close(); // a byte stream has no 403: the connection ends right after the handshake
                return;
            }
        }
        String clusterName = pickCluster(config);
        Cluster cluster = view.cluster(clusterName);
        UpstreamHost host = cluster == null ? null : cluster.pick(LbContext.NONE);
        if (host == null) {
            LOG.debug("{}: no healthy endpoint in cluster {}, closing {}", listenerName, clusterName,
                    downstream.remoteAddress());
            drainEarly();
            if (connectionTelemetry != null) {
                connectionTelemetry.upstream(clusterName, null, null);
                connectionTelemetry.flag("UH");
            }
            downstream.close();
            return;
        }
        MeshTlsContexts tlsContexts = null;
        io.netty.handler.ssl.SslContext origination = null;
        UpstreamTls tls = cluster.config().tls();
        if (tls != null && tls.origination() != null) {
            // DestinationRule SIMPLE/MUTUAL: TLS to a server outside the mesh, from files; never plaintext instead
            try {
                origination = dev.weft.proxy.tls.OriginationTlsContexts.clientFor(tls);
            } catch (javax.net.ssl.SSLException e) {
                LOG.warn("{}: cluster {}: cannot originate TLS: {}", listenerName, clusterName, e.getMessage());
                drainEarly();
                if (connectionTelemetry != null) {
                    connectionTelemetry.upstream(clusterName, host, null);
                    connectionTelemetry.flag("UF");
                }
                downstream.close();
                return;
            }
        } else if (tls != null) {
            tlsContexts = meshTls.current();
            if (tlsContexts == null) {
                LOG.warn("{}: cluster {} requires mesh mTLS but this proxy has no workload certificate",
                        listenerName, clusterName);
                downstream.close();
                return;
            }
        }
        host.onRequestStart();
        TcpRelay fromDownstream = new TcpRelay(stats, true);
        TcpRelay fromUpstream = new TcpRelay(stats, false);
        fromUpstream.peer(downstream);
        Endpoint ep = host.endpoint();
        Duration connectTimeout = cluster.config().connectTimeout();
        if (connectTimeout == null || connectTimeout.isZero()) {
            connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        }
        MeshTlsContexts contexts = tlsContexts;
        io.netty.handler.ssl.SslContext originationContext = origination;
        ChannelFuture connect = transport.clientBootstrap(downstream.eventLoop())
                .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis()))
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel up) {
                        if (originationContext != null) {
                            SslHandler ssl = originationContext.newHandler(up.alloc(),
                                    tls.sni().isEmpty() ? ep.host() : tls.sni(), ep.port());
                            // bytes the client sent early wait in the SslHandler until the handshake is done; a
                            // refused handshake closes the upstream, and with it the downstream
                            ssl.handshakeFuture().addListener(hs -> {
                                if (!hs.isSuccess()) {
                                    LOG.info("{}: TLS origination to {} failed: {}", listenerName, host.address(),
                                            dev.weft.proxy.tls.TlsHandshakeFailure.of(hs.cause()).getMessage());
                                    if (connectionTelemetry != null) {
                                        connectionTelemetry.flag("UF");
                                    }
                                }
                            });
                            up.pipeline().addLast("origination-tls", ssl);
                        } else if (contexts != null) {
                            up.pipeline().addLast("mesh-tls", contexts.tcpClientFor(tls).newHandler(up.alloc(),
                                    tls.sni().isEmpty() ? ep.host() : tls.sni(), ep.port()));
                            if (connectionTelemetry != null) { // the peer's metadata, if it is a Weft sidecar
                                connectionTelemetry.awaitPeer();
                                up.pipeline().addLast("peer-exchange",
                                        new PeerMetadataExchange(telemetry.selfStruct(), connectionTelemetry::peer));
                            }
                        }
                        up.pipeline().addLast(fromUpstream);
                    }
                })
                .connect(InetSocketAddress.createUnresolved(ep.host(), ep.port()));
        Channel upstream = connect.channel();
        upstream.closeFuture().addListener(f -> host.onRequestEnd());
        if (connectionTelemetry != null) {
            connectionTelemetry.upstream(clusterName, host, upstream);
            stats.track(upstream, telemetry.tcpReportingInterval());
        }
        connect.addListener(f -> {
            if (!f.isSuccess()) {
                LOG.debug("{}: connect to {} failed: {}", listenerName, host.address(), f.cause().toString());
                if (connectionTelemetry != null) {
                    connectionTelemetry.flag("UF");
                }
                drainEarly();
                downstream.close();
                return;
            }
            if (!downstream.isActive()) {
                drainEarly();
                upstream.close();
                return;
            }
            fromDownstream.peer(upstream);
            ctx.pipeline().replace(this, "tcp-relay", fromDownstream);
            while (!early.isEmpty()) {
                Object bytes = early.poll();
                if (bytes instanceof io.netty.buffer.ByteBuf b) {
                    stats.onBytes(true, b.readableBytes()); // read before the relay existed: count them too
                }
                upstream.write(bytes, upstream.voidPromise());
            }
            upstream.flush();
            if (earlyEof) {
                fromDownstream.userEventTriggered(downstream.pipeline().context(fromDownstream),
                        io.netty.channel.socket.ChannelInputShutdownEvent.INSTANCE);
            }
            TcpRelay.setReading(upstream, true);
            TcpRelay.setReading(downstream, true);
        });
    }

    private static String pickCluster(TcpProxyConfig config) {
        var clusters = config.clusters();
        if (clusters.size() == 1) {
            return clusters.getFirst().name();
        }
        long r = ThreadLocalRandom.current().nextLong(config.totalWeight());
        for (TcpProxyConfig.WeightedCluster c : clusters) {
            r -= c.weight();
            if (r < 0) {
                return c.name();
            }
        }
        return clusters.getLast().name();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        early.add(msg); // only before the upstream is connected: afterwards the relay replaced this handler
        if (awaitingAuthorization) {
            start(ctx); // plaintext (PERMISSIVE): no handshake will come, the peer has no identity
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof io.netty.channel.socket.ChannelInputShutdownEvent) {
            earlyEof = true;
            if (awaitingAuthorization) {
                start(ctx);
            }
        } else if (evt instanceof SslHandshakeCompletionEvent done && awaitingAuthorization) {
            if (done.isSuccess()) {
                start(ctx); // the peer's SPIFFE ID is on the channel now
            } else {
                awaitingAuthorization = false; // the TLS handler closes the connection
            }
            super.userEventTriggered(ctx, evt);
        } else {
            super.userEventTriggered(ctx, evt);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        drainEarly();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }

    private void drainEarly() {
        while (!early.isEmpty()) {
            ReferenceCountUtil.release(early.poll());
        }
    }
}
