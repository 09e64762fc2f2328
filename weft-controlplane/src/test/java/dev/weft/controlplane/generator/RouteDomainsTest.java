package dev.weft.controlplane.generator;

import com.google.protobuf.Message;
import dev.weft.config.ConfigLoader;
import dev.weft.config.LoadResult;
import dev.weft.controlplane.TestNodes;
import dev.weft.controlplane.proxy.ProxyNode;
import dev.weft.controlplane.push.PushContext;
import dev.weft.controlplane.registry.ServiceCatalogBuilder;
import dev.weft.controlplane.xds.XdsType;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class RouteDomainsTest {

    static void assertNoDuplicateDomains(Map<String, Message> routeConfigs) {
        for (Message m : routeConfigs.values()) {
            RouteConfiguration rc = (RouteConfiguration) m;
            Set<String> seen = new HashSet<>();
            for (VirtualHost vh : rc.getVirtualHostsList()) {
                for (String d : vh.getDomainsList()) {
                    assertThat(seen.add(d)).as("domain %s appears twice in %s", d, rc.getName()).isTrue();
                }
            }
        }
    }

    private static RouteConfiguration outbound(String yaml, ProxyNode proxy, List<ProxyNode> others) {
        LoadResult r = ConfigLoader.loadTexts(Map.of("test.yaml", yaml));
        assertThat(r.errors()).isEmpty();
        List<ProxyNode> all = new java.util.ArrayList<>(others);
        all.add(proxy);
        PushContext ctx = new PushContext(1, r.config(), ServiceCatalogBuilder.build(r.config(), all));
        Map<String, Message> routes = Generators.standard().forType(XdsType.ROUTE).generate(ctx, proxy);
        assertNoDuplicateDomains(routes);
        return (RouteConfiguration) routes.get("outbound");
    }

    private static List<String> domainsOf(RouteConfiguration rc, String vhostName) {
        return rc.getVirtualHostsList().stream().filter(v -> v.getName().equals(vhostName)).findFirst()
                .orElseThrow(() -> new AssertionError("no virtual host " + vhostName)).getDomainsList();
    }

    @Test
    void shortNamesOnlyForTheProxysNamespaceAndBareNamesOnlyForTheDefaultPort() {
        ProxyNode me = TestNodes.proxy("web", "default", "10.0.0.1", 8080, 15006, Map.of());
        ProxyNode api80 = TestNodes.proxy("api", "default", "10.0.0.2", 80, 15006, Map.of());
        ProxyNode api9090 = TestNodes.proxy("api", "default", "10.0.0.3", 9090, 15006, Map.of());
        ProxyNode db = TestNodes.proxy("db", "storage", "10.0.0.4", 5432, 15006, Map.of());
        RouteConfiguration rc = outbound("", me, List.of(api80, api9090, db));

        assertThat(domainsOf(rc, "api.default.svc.cluster.local:80")).containsExactly(
                "api.default.svc.cluster.local", "api.default.svc.cluster.local:80", "api", "api:80",
                "api.default", "api.default:80", "api.default.svc", "api.default.svc:80");
        assertThat(domainsOf(rc, "api.default.svc.cluster.local:9090")).containsExactly(
                "api.default.svc.cluster.local:9090", "api:9090", "api.default:9090", "api.default.svc:9090");
        // Another namespace: no short name; its only port is its default, so bare names map to it.
        assertThat(domainsOf(rc, "db.storage.svc.cluster.local:5432")).containsExactly(
                "db.storage.svc.cluster.local", "db.storage.svc.cluster.local:5432", "db.storage",
                "db.storage:5432", "db.storage.svc", "db.storage.svc:5432");
    }

    @Test
    void aDomainClaimedByTwoServicesGoesToOneOnly() {
        // ServiceEntry host "db.storage" collides with the namespaced short form of db.storage.svc.cluster.local.
        String yaml = """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata:
                  name: clash
                spec:
                  hosts: [db.storage]
                  ports:
                  - number: 5432
                    name: tcp-db
                    protocol: HTTP
                  resolution: STATIC
                  endpoints:
                  - address: 10.9.9.9
                """;
        ProxyNode me = TestNodes.proxy("web", "default", "10.0.0.1", 8080, 15006, Map.of());
        ProxyNode db = TestNodes.proxy("db", "storage", "10.0.0.4", 5432, 15006, Map.of());
        RouteConfiguration rc = outbound(yaml, me, List.of(db));
        long owners = rc.getVirtualHostsList().stream().filter(v -> v.getDomainsList().contains("db.storage")).count();
        assertThat(owners).isEqualTo(1);
    }

    @Test
    void virtualServiceHostWithoutServiceGetsItsOwnVirtualHost() {
        String yaml = """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata:
                  name: front
                spec:
                  hosts: [shop.example.com]
                  http:
                  - route:
                    - destination:
                        host: api
                """;
        ProxyNode me = TestNodes.proxy("web", "default", "10.0.0.1", 8080, 15006, Map.of());
        ProxyNode api = TestNodes.proxy("api", "default", "10.0.0.2", 9090, 15006, Map.of());
        RouteConfiguration rc = outbound(yaml, me, List.of(api));
        VirtualHost vh = rc.getVirtualHostsList().stream().filter(v -> v.getName().equals("shop.example.com:80"))
                .findFirst().orElseThrow();
        assertThat(vh.getDomainsList()).containsExactly("shop.example.com", "shop.example.com:80");
        assertThat(vh.getRoutes(0).getRoute().getCluster()).isEqualTo("outbound|9090||api.default.svc.cluster.local");
        // ...but no cluster, since there is nothing to connect to.
        ProxyNode web = me;
        LoadResult r = ConfigLoader.loadTexts(Map.of("test.yaml", yaml));
        PushContext ctx = new PushContext(1, r.config(), ServiceCatalogBuilder.build(r.config(), List.of(web, api)));
        assertThat(Generators.standard().forType(XdsType.CLUSTER).generate(ctx, web).keySet())
                .noneMatch(n -> n.contains("shop.example.com"));
    }
}
