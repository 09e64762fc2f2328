package dev.weft.client;

import dev.weft.dataplane.cluster.Cluster;
import dev.weft.dataplane.cluster.DefaultClusterManager;
import dev.weft.dataplane.cluster.LbContext;
import dev.weft.dataplane.cluster.UpstreamHost;
import dev.weft.dataplane.config.ConfigSnapshot;
import dev.weft.dataplane.config.ListenerConfig;
import dev.weft.dataplane.config.RouteAction;
import dev.weft.dataplane.config.RouteTable;
import dev.weft.dataplane.routing.CompiledRoute;
import dev.weft.dataplane.routing.RequestHead;
import dev.weft.dataplane.routing.Router;
import dev.weft.dataplane.xds.NodeIdentity;
import dev.weft.dataplane.xds.XdsClient;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Weft's in-process client, a thin wrapper over the data plane's core: the xDS client, router and load balancers a
 * sidecar uses, linked into a JVM service that then needs no sidecar to decide <em>where</em> a request goes. It asks
 * the control plane for what a sidecar's outbound side gets (the {@code outbound} route table, clusters, endpoints)
 * and answers {@link #route}: the VirtualService route a request matches, the cluster it picks (weights included) and
 * an endpoint chosen by that cluster's load balancer. Sending the request, retries, timeouts, mTLS and telemetry stay
 * with the caller: this is a resolver, not a proxy. For gRPC, a stock {@code xds:///} channel (grpc-xds) does all of
 * that itself (README, docs/xds-conventions.md "Proxyless gRPC clients").
 *
 * <p>The node describes itself as a sidecar without inbound side (it registers no endpoint), with
 * {@code WEFT_OUTBOUND_PORT} set to a port it never binds, since that is what makes the control plane send the
 * outbound listener and its route table.
 */
public final class WeftClient implements AutoCloseable {
    /** The outbound port the node declares; never bound (see the class comment). */
    static final int DECLARED_OUTBOUND_PORT = 15001;
    private static final String OUTBOUND = "outbound";

    /**
     * @param controlPlane HOST:PORT of the control plane's xDS server
     * @param name this workload's name (node id and {@code cluster})
     * @param namespace where short host names resolve and which DestinationRules apply
     * @param labels matched by VirtualService {@code sourceLabels}
     */
    public record Options(String controlPlane, String name, String namespace, Map<String, String> labels) {
        public Options {
            Objects.requireNonNull(controlPlane, "controlPlane");
            Objects.requireNonNull(name, "name");
            namespace = namespace == null || namespace.isEmpty() ? "default" : namespace;
            labels = Map.copyOf(labels);
        }
    }

    /** Where a request goes: the route's name, the cluster picked, and the endpoint its load balancer chose. */
    public record Destination(String route, String cluster, String host, int port) {}

    private record State(Router router, DefaultClusterManager clusters) {}

    private final XdsClient xds;
    private final DefaultClusterManager clusters = new DefaultClusterManager();
    private final AtomicReference<State> state = new AtomicReference<>();

    private WeftClient(XdsClient xds) {
        this.xds = xds;
    }

    /** Connects to the control plane; {@link #awaitReady} waits for the first complete config. */
    public static WeftClient start(Options options) {
        NodeIdentity node = NodeIdentity.sidecar(options.name(), options.namespace(), options.name(),
                options.labels(), "127.0.0.1", 0, 0, "http", 0, DECLARED_OUTBOUND_PORT, List.of());
        WeftClient client = new WeftClient(new XdsClient(XdsClient.Options.of(options.controlPlane(), node, null)));
        client.xds.addSnapshotListener(client::apply);
        client.xds.start();
        return client;
    }

    private void apply(ConfigSnapshot snapshot) {
        clusters.update(snapshot); // called on the xDS client's one thread, as update() requires
        ListenerConfig outbound = snapshot.listeners().get(OUTBOUND);
        RouteTable table = outbound == null ? null : snapshot.routeTableFor(outbound);
        state.set(new State(table == null ? null : Router.compile(table), clusters));
    }

    /** Whether a complete config arrived within {@code timeout}. */
    public boolean awaitReady(Duration timeout) throws InterruptedException {
        return xds.awaitWarm(timeout);
    }

    /**
     * The destination of a request to {@code authority} (e.g. {@code ratings:9080}) with {@code path} and
     * {@code headers} (lower-case names), or null when no route matches, the route does not forward (redirect, direct
     * response), its cluster is unknown or has no healthy endpoint.
     */
    public Destination route(String authority, String path, Map<String, String> headers) {
        State s = state.get();
        if (s == null || s.router() == null) {
            return null;
        }
        CompiledRoute route = s.router().route(new Head(authority, path, headers));
        if (route == null || !(route.action() instanceof RouteAction.Forward)) {
            return null;
        }
        String clusterName = route.pickCluster().name();
        Cluster cluster = s.clusters().get(clusterName);
        UpstreamHost host = cluster == null ? null : cluster.pick(LbContext.NONE);
        if (host == null) {
            return null;
        }
        return new Destination(route.route().name(), clusterName, host.endpoint().host(), host.endpoint().port());
    }

    @Override
    public void close() {
        xds.close();
    }

    private record Head(String authority, String path, Map<String, String> headers) implements RequestHead {
        @Override
        public String method() {
            return "GET";
        }

        @Override
        public String scheme() {
            return "http";
        }

        @Override
        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        @Override
        public String sourceAddress() {
            return null;
        }
    }
}
