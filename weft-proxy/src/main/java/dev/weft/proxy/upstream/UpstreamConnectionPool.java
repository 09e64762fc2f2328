package dev.weft.proxy.upstream;

import dev.weft.dataplane.cluster.UpstreamHost;
import dev.weft.dataplane.config.Endpoint;
import dev.weft.proxy.h2.H2UpstreamConnection;
import dev.weft.dataplane.tls.UpstreamTls;
import dev.weft.proxy.net.Transport;
import dev.weft.proxy.tls.MeshTlsContexts;
import dev.weft.proxy.tls.MeshTlsProvider;
import io.netty.channel.Channel;
import java.util.function.Consumer;
import io.netty.handler.ssl.SslContext;
import javax.net.ssl.SSLException;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.flow.FlowControlHandler;
import io.netty.handler.timeout.IdleStateHandler;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Connections from one event loop to every endpoint it talks to (Envoy's per-worker pools): a request uses a
 * connection of its own loop, so nothing here is shared between threads. HTTP/1.1 endpoints get a pool of keep-alive
 * connections, one request each at a time; HTTP/2 endpoints — every endpoint fronted by a Weft sidecar, and the
 * endpoints of clusters configured for HTTP/2 — get one multiplexed connection, a stream per request.
 */
public final class UpstreamConnectionPool {
    static final int MAX_IDLE_PER_ENDPOINT = 64;
    static final long IDLE_TIMEOUT_SECONDS = 60;

    private final EventLoop loop;
    private final Bootstrap bootstrap;
    private final Map<String, EndpointPool> pools = new HashMap<>();
    private final Map<String, H2UpstreamConnection> h2 = new HashMap<>();
    /** Mesh TLS connections, apart from plaintext ones and per peer-identity rule. */
    private final Map<UpstreamTls, Map<String, EndpointPool>> tlsPools = new HashMap<>();
    private final Map<UpstreamTls, Map<String, H2UpstreamConnection>> tlsH2 = new HashMap<>();
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
        this.meshTls = meshTls;
    }

    /**
     * Hands {@code listener} a connection to {@code host}: an idle one at once (unless {@code fresh}), or a new one
     * once connected.
     */
    public void acquire(UpstreamHost host, Duration connectTimeout, UpstreamListener listener, boolean fresh) {
        acquire(host, false, connectTimeout, listener, fresh);
    }

    /**
     * Like {@link #acquire(UpstreamHost, Duration, UpstreamListener, boolean)}; {@code clusterHttp2}: the cluster
     * says its upstreams speak HTTP/2. Sidecar endpoints always do (the sidecar-to-sidecar hop is multiplexed
     * whatever the apps speak). {@code fresh} on HTTP/2 means a stream on a new connection.
     */
    public void acquire(UpstreamHost host, boolean clusterHttp2, Duration connectTimeout, UpstreamListener listener,
                        boolean fresh) {
        acquire(host, clusterHttp2, null, connectTimeout, listener, fresh);
    }

    /**
     * Like {@link #acquire(UpstreamHost, boolean, Duration, UpstreamListener, boolean)}; {@code tls}: the cluster's
     * mesh mTLS (null: plaintext). A TLS connection uses the workload certificate current when it opens.
     */
    public void acquire(UpstreamHost host, boolean clusterHttp2, UpstreamTls tls, Duration connectTimeout,
                        UpstreamListener listener, boolean fresh) {
        assert loop.inEventLoop();
        Consumer<Channel> tlsInstaller = null;
        boolean http2 = clusterHttp2 || host.endpoint().sidecar();
        if (tls != null && tls.origination() != null) {
            SslContext origination; // DestinationRule SIMPLE / MUTUAL: files, not the workload identity; no ALPN
            try {
                origination = dev.weft.proxy.tls.OriginationTlsContexts.clientFor(tls);
            } catch (SSLException e) {
                listener.onConnectFailed(e);
                return;
            }
            Endpoint ep = host.endpoint();
            tlsInstaller = ch -> ch.pipeline().addFirst("origination-tls",
                    origination.newHandler(ch.alloc(), tls.sni().isEmpty() ? ep.host() : tls.sni(), ep.port()));
            http2 = false; // HTTP/1.1 only (no h2 ALPN offered to servers outside the mesh)
        } else if (tls != null) {
            tlsInstaller = meshTlsInstaller(host, tls, MeshTlsContexts.Alpn.H2_OR_HTTP1);
            if (tlsInstaller == null) {
                listener.onConnectFailed(new SSLException("the cluster requires mesh mTLS but this proxy has no"
                        + " workload certificate (start it with --token-file)"));
                return;
            }
            // mesh mTLS: h2 unless ALPN chose http/1.1 last time (the cluster's protocol is only a guess here)
            http2 = negotiatedHttp2.getOrDefault(host.address(), true);
        }
        if (http2) {
            acquireStream(host, tls, tlsInstaller, connectTimeout, listener, fresh);
        } else {
            acquireHttp1(host, tls, tlsInstaller, connectTimeout, listener, fresh);
        }
    }

    private void acquireHttp1(UpstreamHost host, UpstreamTls tls, Consumer<Channel> tlsInstaller,
                              Duration connectTimeout, UpstreamListener listener, boolean fresh) {
        Map<String, EndpointPool> endpointPools = tls == null ? pools : tlsPools.computeIfAbsent(tls, t -> new HashMap<>());
        EndpointPool pool = endpointPools.computeIfAbsent(host.address(), a -> new EndpointPool(a, MAX_IDLE_PER_ENDPOINT));
        UpstreamConnection idle = fresh ? null : pool.poll();
        if (idle != null) {
            idle.attach(listener);
            listener.onConnected(idle);
            return;
        }
        connectHttp1(host, tls, tlsInstaller, connectTimeout, new UpstreamConnection(pool), listener);
    }

    /**
     * A new HTTP/1.1 connection to {@code host} for one request that asks for a protocol upgrade (WebSocket): never
     * pooled and never HTTP/2 — not even to a sidecar, whose hop is otherwise multiplexed, since an HTTP/2 stream cannot
     * carry an Upgrade. {@code tls}: the cluster's mesh mTLS (null: plaintext). After a {@code 101} the request takes
     * the channel over; after any other response it is closed.
     */
    public void acquireDedicated(UpstreamHost host, UpstreamTls tls, Duration connectTimeout,
                                 UpstreamListener listener) {
        assert loop.inEventLoop();
        Consumer<Channel> tlsInstaller = null;
        if (tls != null) {
            tlsInstaller = meshTlsInstaller(host, tls, MeshTlsContexts.Alpn.HTTP1_ONLY); // an Upgrade needs HTTP/1.1
            if (tlsInstaller == null) {
                listener.onConnectFailed(new SSLException("the cluster requires mesh mTLS but this proxy has no"
                        + " workload certificate (start it with --token-file)"));
                return;
            }
        }
        connectHttp1(host, tls, tlsInstaller, connectTimeout, UpstreamConnection.dedicated(), listener);
    }

    /** Adds the mesh TLS client handler first in a new channel; null when this proxy has no certificate. */
    private Consumer<Channel> meshTlsInstaller(UpstreamHost host, UpstreamTls tls, MeshTlsContexts.Alpn alpn) {
        MeshTlsContexts contexts = meshTls.current();
        if (contexts == null) {
            return null;
        }
        Endpoint ep = host.endpoint();
        return ch -> ch.pipeline().addFirst("mesh-tls",
                contexts.clientFor(tls, alpn).newHandler(ch.alloc(), tls.sni().isEmpty() ? ep.host() : tls.sni(), ep.port()));
    }

    private void connectHttp1(UpstreamHost host, UpstreamTls tls, Consumer<Channel> h1Tls, Duration connectTimeout,
                              UpstreamConnection connection, UpstreamListener listener) {
        Endpoint endpoint = host.endpoint();
        long timeoutMillis = connectTimeout == null || connectTimeout.isZero() ? 10_000 : connectTimeout.toMillis();
        ChannelFuture connect = bootstrap.clone()
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, timeoutMillis))
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (h1Tls != null) {
                            h1Tls.accept(ch); // requests written before the handshake ends wait in the SslHandler
                        }
                        ch.pipeline().addLast(
                                new IdleStateHandler(0, 0, IDLE_TIMEOUT_SECONDS, TimeUnit.SECONDS),
                                new HttpClientCodec(4096, 16 * 1024, 16 * 1024),
                                new FlowControlHandler(),
                                connection);
                    }
                })
                // unresolved on purpose: the bootstrap's resolver looks DNS names up without blocking the loop
                .connect(InetSocketAddress.createUnresolved(endpoint.host(), endpoint.port()));
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
                    listener.onConnectFailed(new SSLException("TLS error: " + rootMessage(hs.cause()), hs.cause()));
                } else if (ApplicationProtocolNames.HTTP_2.equals(alpn)) {
                    negotiatedHttp2.put(host.address(), true);
                    connect.channel().close();
                    acquireStream(host, tls, meshTlsInstaller(host, tls, MeshTlsContexts.Alpn.H2_OR_HTTP1),
                            connectTimeout, listener, false);
                } else {
                    if (alpn != null && !connection.isDedicated()) { // an upgrade's connection offered http/1.1 only
                        negotiatedHttp2.put(host.address(), false);
                    }
                    connection.attach(listener);
                    listener.onConnected(connection);
                }
            });
        });
    }

    private static String rootMessage(Throwable t) {
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }

    private void acquireStream(UpstreamHost host, UpstreamTls tls, Consumer<Channel> tlsInstaller,
                               Duration connectTimeout, UpstreamListener listener, boolean fresh) {
        String address = host.address();
        Map<String, H2UpstreamConnection> h2 = tls == null ? this.h2 : tlsH2.computeIfAbsent(tls, t -> new HashMap<>());
        H2UpstreamConnection connection = h2.get(address);
        if (connection == null || fresh || !connection.isUsable()) {
            Endpoint endpoint = host.endpoint();
            long timeoutMillis = connectTimeout == null || connectTimeout.isZero() ? 10_000 : connectTimeout.toMillis();
            H2UpstreamConnection[] created = new H2UpstreamConnection[1];
            created[0] = H2UpstreamConnection.connect(bootstrap,
                    InetSocketAddress.createUnresolved(endpoint.host(), endpoint.port()),
                    (int) Math.min(Integer.MAX_VALUE, timeoutMillis), IDLE_TIMEOUT_SECONDS, tlsInstaller,
                    UpstreamConnection::forStream,
                    () -> h2.remove(address, created[0]));
            connection = created[0];
            h2.put(address, connection);
        }
        connection.openStream(new H2UpstreamConnection.StreamWaiter() {
            @Override
            public void onStream(Http2StreamChannel stream, int streamsBefore) {
                UpstreamConnection c = stream.pipeline().get(UpstreamConnection.class);
                c.attachStream(listener, streamsBefore);
                listener.onConnected(c);
            }

            @Override
            public void onStreamFailed(Throwable cause) {
                if (cause instanceof H2UpstreamConnection.NegotiatedHttp1Exception && tls != null) {
                    negotiatedHttp2.put(address, false); // the peer chose HTTP/1.1 by ALPN: use it from now on
                    acquireHttp1(host, tls, meshTlsInstaller(host, tls, MeshTlsContexts.Alpn.H2_OR_HTTP1),
                            connectTimeout, listener, false);
                } else {
                    listener.onConnectFailed(cause);
                }
            }
        });
    }
}
