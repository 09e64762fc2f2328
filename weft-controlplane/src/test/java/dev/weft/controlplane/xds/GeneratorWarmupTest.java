package dev.weft.controlplane.xds;

import dev.weft.config.MeshConfig;
import dev.weft.controlplane.TestNodes;
import dev.weft.controlplane.generator.Generators;
import dev.weft.controlplane.proxy.ProxyNode;
import dev.weft.controlplane.push.PushContext;
import dev.weft.controlplane.registry.ServiceCatalogBuilder;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** The made-up sidecar of the start-up warm-up is a valid node and exercises every generator's main paths. */
class GeneratorWarmupTest {
    @Test
    void theMadeUpSidecarGetsListenersRoutesAndClustersOfAllKinds() throws Exception {
        ProxyNode node = ProxyNode.fromNode(GeneratorWarmup.sidecar());
        assertThat(node.proxyless()).isFalse();
        assertThat(node.upstreams()).hasSize(1);
        ProxyNode peer = TestNodes.proxy("reviews", "default", "10.0.0.2", 9080, 15006, Map.of("app", "reviews"));
        PushContext context = new PushContext(1, MeshConfig.EMPTY,
                ServiceCatalogBuilder.build(MeshConfig.EMPTY, List.of(peer)));
        Generators generators = Generators.standard();

        GeneratorWarmup.run(generators, context); // logs and swallows failures: check the generators directly too
        assertThat(generators.forType(XdsType.LISTENER).generate(context, node, Set.of()))
                .containsKeys("outbound", "upstream_16001");
        assertThat(generators.forType(XdsType.ROUTE).generate(context, node, Set.of()))
                .containsKeys("outbound", "upstream_16001");
        assertThat(generators.forType(XdsType.CLUSTER).generate(context, node, Set.of()).keySet())
                .anyMatch(name -> name.contains("reviews.default.svc.cluster.local"));
        assertThat(generators.forType(XdsType.ENDPOINT).generate(context, node, Set.of())).isNotEmpty();
    }
}
