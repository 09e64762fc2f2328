package dev.weft.controlplane.generator;

import dev.weft.config.ConfigLoader;
import dev.weft.config.LoadResult;
import dev.weft.config.MeshConfig;
import dev.weft.controlplane.TestNodes;
import dev.weft.controlplane.proxy.ProxyNode;
import dev.weft.controlplane.push.PushContext;
import dev.weft.controlplane.registry.ServiceCatalogBuilder;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Every resource generated for one proxy, per config set, against reviewed golden JSON. */
class GeneratorGoldenTest {
    private static final Generators GENERATORS = Generators.standard();

    /** A bookinfo-like mesh: productpage, details, reviews v1..v3, ratings, all in "default". */
    static List<ProxyNode> bookinfoProxies() {
        List<ProxyNode> proxies = new ArrayList<>();
        proxies.add(productpage());
        proxies.add(TestNodes.proxy("details", "default", "10.0.0.2", 9080, 15006, Map.of("app", "details", "version", "v1")));
        proxies.add(TestNodes.proxy("reviews", "default", "10.0.0.3", 9080, 15006, Map.of("app", "reviews", "version", "v1")));
        proxies.add(TestNodes.proxy("reviews", "default", "10.0.0.4", 9080, 15006, Map.of("app", "reviews", "version", "v2")));
        proxies.add(TestNodes.proxy("reviews", "default", "10.0.0.5", 9080, 15006, Map.of("app", "reviews", "version", "v3")));
        proxies.add(TestNodes.proxy("ratings", "default", "10.0.0.6", 9080, 15006, Map.of("app", "ratings", "version", "v1")));
        proxies.add(TestNodes.proxy("mongo", "storage", "10.0.1.1", 27017, 15006, Map.of("app", "mongo")));
        return proxies;
    }

    static ProxyNode productpage() {
        return TestNodes.proxy("productpage", "default", "10.0.0.1", 9080, 15006,
                Map.of("app", "productpage", "version", "v1"), "ratings=16001", "reviews:9080=16002");
    }

    static PushContext context(String configSet, List<ProxyNode> proxies) {
        LoadResult result = ConfigLoader.load(Path.of("src", "test", "resources", "configs", configSet));
        assertThat(result.errors()).as("config set %s must be valid", configSet).isEmpty();
        return new PushContext(1, result.config(), ServiceCatalogBuilder.build(result.config(), proxies));
    }

    private static void check(String configSet, List<ProxyNode> proxies, ProxyNode proxy) throws Exception {
        PushContext context = context(configSet, proxies);
        RouteDomainsTest.assertNoDuplicateDomains(GENERATORS.forType(dev.weft.controlplane.xds.XdsType.ROUTE)
                .generate(context, proxy));
        String json = ResourceJson.render(GENERATORS, context, proxy);
        GoldenFiles.assertMatches(configSet + ".json", json);
    }

    @Test
    void noConfigAtAll() throws Exception {
        PushContext ctx = new PushContext(1, MeshConfig.EMPTY, ServiceCatalogBuilder.build(MeshConfig.EMPTY,
                bookinfoProxies()));
        GoldenFiles.assertMatches("no-config.json", ResourceJson.render(GENERATORS, ctx, productpage()));
    }

    @Test
    void bookinfoSubsetAndHeaderRouting() throws Exception {
        check("bookinfo", bookinfoProxies(), productpage());
    }

    @Test
    void weightedSplitHeaderOperationsRewriteRedirect() throws Exception {
        check("weighted-headers", bookinfoProxies(), productpage());
    }

    @Test
    void subsetTrafficPoliciesAndConsistentHash() throws Exception {
        check("subsets-hash", bookinfoProxies(), productpage());
    }

    @Test
    void retriesOutlierDetectionAndCircuitBreakers() throws Exception {
        check("resilience", bookinfoProxies(), productpage());
    }

    @Test
    void serviceEntriesAndWorkloadEntries() throws Exception {
        check("service-entry", List.of(productpage()), productpage());
    }
}
