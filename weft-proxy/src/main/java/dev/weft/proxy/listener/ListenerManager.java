package dev.weft.proxy.listener;

import dev.weft.dataplane.config.ListenerConfig;
import dev.weft.proxy.h2.H2ServerPipeline;
import dev.weft.proxy.http.DownstreamHandler;
import dev.weft.proxy.http.TrustedHeaderNames;
import dev.weft.proxy.net.IdleTimer;
import dev.weft.proxy.net.Transport;
import dev.weft.proxy.tcp.TcpProxyHandler;
import dev.weft.proxy.tls.InboundTlsSniffer;
import dev.weft.proxy.tls.MeshTlsProvider;
import dev.weft.proxy.upstream.UpstreamPools;
import dev.weft.proxy.view.DataPlaneView;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the bound sockets in line with the config: binds new listeners, closes removed ones and leaves unchanged
 * ones alone. A listener's route or filter change needs no rebind: its connections read the current view per
 * request. Called from one thread at a time (the config update thread).
 */
public final class ListenerManager implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ListenerManager.class);
    static final long DOWNSTREAM_IDLE_SECONDS = 300;

    private final Transport transport;
    private final Supplier<DataPlaneView> views;
    private final UpstreamPools pools;
    private final MeshTlsProvider meshTls;
    private final Map<String, BoundListener> bound = new HashMap<>();
    private final Map<String, String> bindErrors = new HashMap<>();

    /** A listening socket and the address it was bound for. */
    private record BoundListener(String host, int port, Channel channel) {}

    public ListenerManager(Transport transport, Supplier<DataPlaneView> views, UpstreamPools pools) {
        this(transport, views, pools, MeshTlsProvider.NONE);
    }

    /** {@code meshTls}: the workload certificate for listeners whose config asks for mesh TLS. */
    public ListenerManager(Transport transport, Supplier<DataPlaneView> views, UpstreamPools pools,
                           MeshTlsProvider meshTls) {
        this.meshTls = meshTls;
        this.transport = transport;
        this.views = views;
        this.pools = pools;
    }

    public synchronized void reconcile(Map<String, ListenerConfig> wanted) {
        bound.entrySet().removeIf(e -> {
            ListenerConfig config = wanted.get(e.getKey());
            BoundListener b = e.getValue();
            if (config == null || !config.host().equals(b.host()) || config.port() != b.port()) {
                LOG.info("closing listener {} on {}:{}", e.getKey(), b.host(), b.port());
                b.channel().close().syncUninterruptibly();
                return true;
            }
            return false;
        });
        bindErrors.keySet().retainAll(wanted.keySet());
        for (ListenerConfig config : wanted.values()) {
            if (!bound.containsKey(config.name())) {
                bind(config);
            }
        }
    }

    private void bind(ListenerConfig config) {
        String name = config.name();
        try {
            Channel channel = transport.serverBootstrap()
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            // the current config's TLS mode: a PeerAuthentication change needs no rebind
                            var current = views.get().listener(name);
                            var tls = current != null ? current.config().tls() : config.tls();
                            if (tls != null) {
                                // before protocol sniffing: it reads the decrypted bytes
                                ch.pipeline().addLast(new InboundTlsSniffer(tls, meshTls));
                            }
                            var latest = current != null ? current.config() : config;
                            if (latest.detection() != null) { // undeclared protocol: HTTP or TCP by first bytes
                                installDetecting(ch, name, latest);
                                return;
                            }
                            if (latest.tcp() != null) { // tcp_proxy: bytes relayed to a cluster, no HTTP sniffing
                                TcpProxyHandler.install(ch, name, latest.tcp(), views, transport, meshTls);
                                return;
                            }
                            // HTTP/1.1 and h2c prior knowledge on every listener: the first bytes decide
                            ch.pipeline().addLast(
                                    new IdleTimer(DOWNSTREAM_IDLE_SECONDS, TimeUnit.SECONDS),
                                    new ProtocolSniffer(
                                            ctx -> {
                                                ctx.pipeline().addLast(newServerCodec(),
                                                        new DownstreamHandler(name, views, pools));
                                                ctx.fireChannelActive(); // the HTTP/1.1 handler starts reading
                                            },
                                            ctx -> H2ServerPipeline.install(ctx.pipeline(),
                                                    () -> new DownstreamHandler(name, views, pools))));
                        }
                    })
                    .bind(new InetSocketAddress(config.host(), config.port()))
                    .syncUninterruptibly()
                    .channel();
            bound.put(name, new BoundListener(config.host(), config.port(), channel));
            bindErrors.remove(name);
            LOG.info("listener {} bound on {}:{}", name, config.host(), config.port());
        } catch (Exception e) {
            String error = "cannot bind listener " + name + " on " + config.host() + ":" + config.port() + ": "
                    + e.getMessage();
            bindErrors.put(name, error);
            LOG.error(error);
        }
    }

    /**
     * A listener with both chains (Envoy's http_inspector): the {@link HttpInspector} decides per connection. Half-close
     * is allowed while it looks, so a client that sends its bytes and a FIN at once still gets the TCP proxy's answer.
     */
    private void installDetecting(SocketChannel ch, String name, ListenerConfig config) {
        ch.config().setOption(io.netty.channel.ChannelOption.ALLOW_HALF_CLOSURE, true);
        ch.pipeline().addLast(new HttpInspector(config.detection(),
                ctx -> {
                    ctx.channel().config().setOption(io.netty.channel.ChannelOption.ALLOW_HALF_CLOSURE, false);
                    ctx.pipeline().addLast(new IdleTimer(DOWNSTREAM_IDLE_SECONDS, TimeUnit.SECONDS),
                            newServerCodec(), new DownstreamHandler(name, views, pools));
                    ctx.fireChannelActive();
                },
                ctx -> {
                    ctx.channel().config().setOption(io.netty.channel.ChannelOption.ALLOW_HALF_CLOSURE, false);
                    ctx.pipeline().addLast(new IdleTimer(DOWNSTREAM_IDLE_SECONDS, TimeUnit.SECONDS));
                    H2ServerPipeline.install(ctx.pipeline(), () -> new DownstreamHandler(name, views, pools));
                },
                ctx -> {
                    TcpProxyHandler.install((SocketChannel) ctx.channel(), name, config.tcp(), views, transport, meshTls);
                    ctx.fireChannelActive(); // the TCP proxy connects upstream now
                }));
    }

    /**
     * The downstream HTTP/1.1 codec: 8 KiB request line, 64 KiB of headers, body parts of up to 64 KiB; every header
     * name from the client is validated, the proxy's own constant names are not re-checked on each set.
     */
    private static HttpServerCodec newServerCodec() {
        return new HttpServerCodec(new HttpDecoderConfig().setMaxInitialLineLength(8192).setMaxHeaderSize(64 * 1024)
                .setMaxChunkSize(64 * 1024).setHeadersFactory(TrustedHeaderNames.HEADERS));
    }

    /** Names of the listeners whose socket is open. */
    public synchronized List<String> boundListeners() {
        return List.copyOf(bound.keySet());
    }

    /** Listeners that could not be bound, with why. */
    public synchronized Map<String, String> bindErrors() {
        return Map.copyOf(bindErrors);
    }

    /** The port a listener is actually bound on (differs from the config when it asked for port 0), or -1. */
    public synchronized int boundPort(String name) {
        BoundListener b = bound.get(name);
        return b == null ? -1 : ((InetSocketAddress) b.channel().localAddress()).getPort();
    }

    @Override
    public synchronized void close() {
        for (BoundListener b : bound.values()) {
            b.channel().close().syncUninterruptibly();
        }
        bound.clear();
    }
}
