package dev.weft.proxy.upstream;

import dev.weft.proxy.net.Transport;
import dev.weft.proxy.tls.MeshTlsProvider;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.FastThreadLocal;

/** The connection pool of each event loop, created on first use from that loop. */
public final class UpstreamPools {
    private final Transport transport;
    private final FastThreadLocal<UpstreamConnectionPool> perLoop = new FastThreadLocal<>();

    private final MeshTlsProvider meshTls;

    public UpstreamPools(Transport transport) {
        this(transport, MeshTlsProvider.NONE);
    }

    /** {@code meshTls}: the workload certificate for clusters that ask for mesh mTLS. */
    public UpstreamPools(Transport transport, MeshTlsProvider meshTls) {
        this.transport = transport;
        this.meshTls = meshTls;
    }

    /** The pool of {@code loop}; must be called from that loop. */
    public UpstreamConnectionPool of(EventLoop loop) {
        UpstreamConnectionPool pool = perLoop.get();
        if (pool == null) {
            pool = new UpstreamConnectionPool(loop, transport, meshTls);
            perLoop.set(pool);
        }
        return pool;
    }
}
