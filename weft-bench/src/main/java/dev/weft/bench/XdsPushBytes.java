package dev.weft.bench;

import com.google.protobuf.ListValue;
import com.google.protobuf.Message;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.weft.config.MeshConfig;
import dev.weft.controlplane.generator.Generators;
import dev.weft.controlplane.proxy.InvalidNodeException;
import dev.weft.controlplane.proxy.ProxyNode;
import dev.weft.controlplane.push.PushContext;
import dev.weft.controlplane.registry.ProxyRegistry;
import dev.weft.controlplane.registry.ServiceCatalogBuilder;
import dev.weft.controlplane.xds.XdsServer;
import dev.weft.controlplane.xds.XdsType;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Control-plane scale check of the xDS transport: how many bytes one endpoint change costs a proxy on state-of-the-world
 * vs delta ADS, in a mesh of N services each registered by one sidecar. Starts the real {@link XdsServer} on a
 * loopback port, connects one raw SotW and one raw delta client as sidecars that see every service (CDS/LDS wildcard,
 * EDS/RDS by the names those reference, every response ACKed), then moves one service's endpoint at a time and
 * counts the serialized response bytes each client receives until the push has settled.
 *
 * <pre>java -cp "weft-bench/target/weft-bench-0.1.0-SNAPSHOT.jar:weft-bench/target/lib/*" dev.weft.bench.XdsPushBytes [services] [changes]</pre>
 */
public final class XdsPushBytes {
    private static final Duration SETTLE = Duration.ofMillis(400);

    private XdsPushBytes() {}

    public static void main(String[] args) throws Exception {
        int services = args.length > 0 ? Integer.parseInt(args[0]) : 100;
        int changes = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor();
        List<ProxyNode> proxies = new ArrayList<>();
        for (int i = 0; i < services; i++) {
            proxies.add(proxy("svc" + i, address(i, 0), 8000 + i));
        }
        long[] version = {1};
        try (XdsServer server = new XdsServer(0, Generators.standard(),
                new ProxyRegistry(Duration.ofMinutes(5), timers, () -> { }), context(version[0], proxies)).start()) {
            SotwClient sotw = new SotwClient(server.port(), node("observer-sotw", "10.9.0.1"));
            DeltaClient delta = new DeltaClient(server.port(), node("observer-delta", "10.9.0.2"));
            sotw.start();
            delta.start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while ((sotw.byType.size() < 4 || delta.byType.size() < 4) && System.nanoTime() < deadline) {
                Thread.sleep(50); // every type answered once on both streams
            }
            settle(sotw.bytes, delta.bytes);
            System.out.printf("%d services: initial sync  sotw %,d B in %d responses, delta %,d B in %d responses%n",
                    services, sotw.bytes.get(), sotw.responses.get(), delta.bytes.get(), delta.responses.get());
            sotw.byType.clear();
            delta.byType.clear();
            long sotwTotal = 0;
            long deltaTotal = 0;
            for (int c = 1; c <= changes; c++) {
                long s0 = sotw.bytes.get();
                long d0 = delta.bytes.get();
                int moved = c % services;
                proxies.set(moved, proxy("svc" + moved, address(moved, c), 8000 + moved));
                server.push(context(++version[0], proxies));
                settle(sotw.bytes, delta.bytes);
                sotwTotal += sotw.bytes.get() - s0;
                deltaTotal += delta.bytes.get() - d0;
            }
            System.out.printf("per endpoint change (mean of %d): sotw %,d B, delta %,d B (%.1fx less); "
                            + "per type sotw %s, delta %s%n", changes, sotwTotal / changes, deltaTotal / changes,
                    (double) sotwTotal / Math.max(1, deltaTotal), sotw.byType, delta.byType);
            sotw.close();
            delta.close();
        } finally {
            timers.shutdownNow();
        }
    }

    /** Waits until neither counter has moved for {@link #SETTLE}. */
    private static void settle(AtomicLong a, AtomicLong b) throws InterruptedException {
        long last = -1;
        while (true) {
            Thread.sleep(SETTLE.toMillis());
            long now = a.get() + b.get();
            if (now == last) {
                return;
            }
            last = now;
        }
    }

    private static String address(int service, int generation) {
        return "10." + (1 + generation % 200) + "." + (service / 250) + "." + (1 + service % 250);
    }

    private static PushContext context(long version, List<ProxyNode> proxies) {
        return new PushContext(version, MeshConfig.EMPTY, ServiceCatalogBuilder.build(MeshConfig.EMPTY, proxies));
    }

    private static ProxyNode proxy(String service, String address, int port) {
        try {
            return ProxyNode.fromNode(node(service, address, port));
        } catch (InvalidNodeException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Node node(String service, String address) {
        return node(service, address, 8080);
    }

    /** A sidecar node as Weft's proxy announces it (docs/xds-conventions.md). */
    private static Node node(String service, String address, int port) {
        Struct md = Struct.newBuilder()
                .putFields("NAMESPACE", str("default"))
                .putFields("SERVICE_ACCOUNT", str(service))
                .putFields("LABELS", Value.newBuilder().setStructValue(Struct.newBuilder()
                        .putFields("app", str(service))).build())
                .putFields("INSTANCE_IPS", str(address))
                .putFields("WEFT_ROLE", str("sidecar"))
                .putFields("WEFT_SERVICE", str(service))
                .putFields("WEFT_SERVICE_PORT", str(Integer.toString(port)))
                .putFields("WEFT_APP_PORT", str(Integer.toString(port)))
                .putFields("WEFT_APP_PROTOCOL", str("http"))
                .putFields("WEFT_INBOUND_PORT", str("15006"))
                .putFields("WEFT_OUTBOUND_PORT", str("15001"))
                .putFields("WEFT_UPSTREAMS", Value.newBuilder().setListValue(ListValue.getDefaultInstance()).build())
                .build();
        return Node.newBuilder().setId("sidecar~" + address + "~" + service + "-15006.default").setCluster(service)
                .setMetadata(md).build();
    }

    private static Value str(String s) {
        return Value.newBuilder().setStringValue(s).build();
    }

    /** The EDS names of the clusters and the RDS names of the listeners received. */
    private static Set<String> dependentNames(XdsType type, List<? extends Message> resources) throws Exception {
        Set<String> names = new TreeSet<>();
        for (Message m : resources) {
            if (type == XdsType.CLUSTER) {
                Cluster c = (Cluster) m;
                if (c.getType() == Cluster.DiscoveryType.EDS) {
                    names.add(c.getEdsClusterConfig().getServiceName().isEmpty() ? c.getName()
                            : c.getEdsClusterConfig().getServiceName());
                }
            } else if (type == XdsType.LISTENER) {
                for (var chain : ((Listener) m).getFilterChainsList()) {
                    for (var f : chain.getFiltersList()) {
                        if (f.getTypedConfig().is(HttpConnectionManager.class)) {
                            HttpConnectionManager hcm = f.getTypedConfig().unpack(HttpConnectionManager.class);
                            if (hcm.hasRds()) {
                                names.add(hcm.getRds().getRouteConfigName());
                            }
                        }
                    }
                }
            }
        }
        return names;
    }

    /** What both measuring clients share: their channel and node, and the bytes and responses they were sent. */
    private abstract static class CountingClient implements AutoCloseable {
        final ManagedChannel channel;
        final Node node;
        final AtomicLong bytes = new AtomicLong();
        final AtomicLong responses = new AtomicLong();
        final Map<String, Long> byType = new ConcurrentHashMap<>();
        final Map<XdsType, Set<String>> names = new EnumMap<>(XdsType.class);

        CountingClient(int port, Node node) {
            this.channel = ManagedChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
            this.node = node;
        }

        /** Counts one response of {@code typeUrl} and returns its type. */
        XdsType count(String typeUrl, int size) {
            bytes.addAndGet(size);
            responses.incrementAndGet();
            XdsType type = XdsType.fromTypeUrl(typeUrl);
            byType.merge(type.shortName(), (long) size, Long::sum);
            return type;
        }

        /** The response stream's observer: each response to {@code onResponse}, a failure reported unless closing. */
        <T> StreamObserver<T> observer(String stream, java.util.function.Consumer<T> onResponse) {
            return new StreamObserver<>() {
                @Override
                public void onNext(T r) {
                    onResponse.accept(r);
                }

                @Override
                public void onError(Throwable t) {
                    if (!channel.isShutdown()) {
                        System.err.println(stream + " stream failed: " + t);
                    }
                }

                @Override
                public void onCompleted() { }
            };
        }

        @Override
        public void close() throws InterruptedException {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    private static final class SotwClient extends CountingClient {
        StreamObserver<DiscoveryRequest> requests;

        SotwClient(int port, Node node) {
            super(port, node);
        }

        void start() {
            requests = AggregatedDiscoveryServiceGrpc.newStub(channel)
                    .streamAggregatedResources(observer("sotw", this::onResponse));
            request(XdsType.CLUSTER, Set.of(), "", "");
            request(XdsType.LISTENER, Set.of(), "", "");
        }

        synchronized void request(XdsType type, Set<String> resourceNames, String version, String nonce) {
            requests.onNext(DiscoveryRequest.newBuilder().setNode(node).setTypeUrl(type.typeUrl())
                    .addAllResourceNames(resourceNames).setVersionInfo(version).setResponseNonce(nonce).build());
        }

        synchronized void onResponse(DiscoveryResponse r) {
            XdsType type = count(r.getTypeUrl(), r.getSerializedSize());
            try {
                List<Message> resources = new ArrayList<>();
                for (var any : r.getResourcesList()) {
                    resources.add(type == XdsType.CLUSTER ? any.unpack(Cluster.class)
                            : type == XdsType.LISTENER ? any.unpack(Listener.class) : any);
                }
                request(type, type.wildcard() ? Set.of() : names.getOrDefault(type, Set.of()), r.getVersionInfo(),
                        r.getNonce());
                XdsType dependent = type == XdsType.CLUSTER ? XdsType.ENDPOINT
                        : type == XdsType.LISTENER ? XdsType.ROUTE : null;
                if (dependent != null) {
                    Set<String> wanted = dependentNames(type, resources);
                    if (!wanted.equals(names.get(dependent))) {
                        names.put(dependent, wanted);
                        request(dependent, wanted, "", "");
                    }
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private static final class DeltaClient extends CountingClient {
        final Map<XdsType, Map<String, Message>> held = new EnumMap<>(XdsType.class);
        StreamObserver<DeltaDiscoveryRequest> requests;

        DeltaClient(int port, Node node) {
            super(port, node);
        }

        void start() {
            requests = AggregatedDiscoveryServiceGrpc.newStub(channel)
                    .deltaAggregatedResources(observer("delta", this::onResponse));
            send(DeltaDiscoveryRequest.newBuilder().setNode(node).setTypeUrl(XdsType.CLUSTER.typeUrl()));
            send(DeltaDiscoveryRequest.newBuilder().setNode(node).setTypeUrl(XdsType.LISTENER.typeUrl()));
        }

        synchronized void send(DeltaDiscoveryRequest.Builder r) {
            requests.onNext(r.build());
        }

        synchronized void onResponse(DeltaDiscoveryResponse r) {
            XdsType type = count(r.getTypeUrl(), r.getSerializedSize());
            try {
                Map<String, Message> have = held.computeIfAbsent(type, t -> new java.util.TreeMap<>());
                for (var res : r.getResourcesList()) {
                    have.put(res.getName(), type == XdsType.CLUSTER ? res.getResource().unpack(Cluster.class)
                            : type == XdsType.LISTENER ? res.getResource().unpack(Listener.class) : res.getResource());
                }
                r.getRemovedResourcesList().forEach(have::remove);
                send(DeltaDiscoveryRequest.newBuilder().setTypeUrl(r.getTypeUrl()).setResponseNonce(r.getNonce()));
                XdsType dependent = type == XdsType.CLUSTER ? XdsType.ENDPOINT
                        : type == XdsType.LISTENER ? XdsType.ROUTE : null;
                if (dependent != null) {
                    Set<String> wanted = dependentNames(type, List.copyOf(have.values()));
                    Set<String> old = names.getOrDefault(dependent, Set.of());
                    if (!wanted.equals(old)) {
                        Set<String> add = new TreeSet<>(wanted);
                        add.removeAll(old);
                        Set<String> drop = new TreeSet<>(old);
                        drop.removeAll(wanted);
                        names.put(dependent, wanted);
                        send(DeltaDiscoveryRequest.newBuilder().setNode(node).setTypeUrl(dependent.typeUrl())
                                .addAllResourceNamesSubscribe(add).addAllResourceNamesUnsubscribe(drop));
                    }
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
