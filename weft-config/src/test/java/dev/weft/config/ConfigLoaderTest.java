package dev.weft.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.config.model.ConsistentHashLb;
import dev.weft.config.model.DestinationRule;
import dev.weft.config.model.LoadBalancerSettings.SimpleLb;
import dev.weft.config.model.ServiceEntry;
import dev.weft.config.model.ServiceEntrySpec;
import dev.weft.config.model.StringMatch;
import dev.weft.config.model.VirtualService;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
    private static Path bookinfo() throws URISyntaxException {
        return Path.of(ConfigLoaderTest.class.getResource("/bookinfo").toURI());
    }

    private static MeshConfig loadBookinfo() throws Exception {
        LoadResult result = ConfigLoader.load(bookinfo());
        assertThat(result.errors()).as(result.errorReport()).isEmpty();
        assertThat(result.ok()).isTrue();
        return result.config();
    }

    @Test
    void loadsEveryYamlAndYmlFileInTheDirectoryWithAllThreeApiVersions() throws Exception {
        MeshConfig config = loadBookinfo();
        assertThat(config.virtualServices()).extracting(v -> v.meta().name()).containsExactly("reviews", "productpage");
        assertThat(config.destinationRules()).extracting(d -> d.meta().name()).containsExactly("reviews", "ratings", "details");
        assertThat(config.serviceEntries()).extracting(s -> s.meta().name()).containsExactly("external-ratings", "legacy");
        assertThat(config.workloadEntries()).extracting(w -> w.meta().namespacedName())
                .containsExactly("default/legacy-vm-1", "other/other-vm");
    }

    @Test
    void metadataCarriesFileLineAndDefaultNamespace() throws Exception {
        MeshConfig config = loadBookinfo();
        DestinationRule ratings = config.destinationRules().get(1);
        assertThat(ratings.meta().kind()).isEqualTo("DestinationRule");
        assertThat(ratings.meta().namespace()).isEqualTo("default");
        assertThat(ratings.meta().file()).endsWith("10-destination-rules.yaml");
        assertThat(ratings.meta().line()).isEqualTo(25);
        // "# an empty document is skipped" sits between ratings and details
        assertThat(config.destinationRules().get(2).meta().line()).isEqualTo(48);
        assertThat(config.virtualServices().getFirst().meta().namespace()).isEqualTo("default");
    }

    @Test
    void bindsVirtualServiceRoutesMatchesAndHeaders() throws Exception {
        VirtualService reviews = loadBookinfo().virtualServices().getFirst();
        var http = reviews.spec().http();
        assertThat(http).hasSize(3);
        assertThat(http.get(0).match().getFirst().headers())
                .containsEntry("end-user", new StringMatch("jason", null, null));
        var api = http.get(1);
        assertThat(api.match().getFirst().uri().type()).isEqualTo(StringMatch.Type.REGEX);
        assertThat(api.match().getFirst().ignoresUriCase()).isTrue();
        assertThat(api.match().getFirst().queryParams().get("debug").exact()).isEqualTo("1");
        assertThat(api.rewrite().uri()).isEqualTo("/reviews/");
        assertThat(api.route().getFirst().destination().portNumber()).isEqualTo(9080);
        assertThat(api.timeout()).isEqualTo(Duration.ofMillis(1500));
        assertThat(api.retries().perTryTimeout()).isEqualTo(Duration.ofMillis(100));
        var split = http.get(2).route();
        assertThat(split).extracting(d -> d.destination().subset()).containsExactly("v1", "v3");
        assertThat(split).extracting(d -> d.weight()).containsExactly(80, 20);
        assertThat(split.getFirst().headers().response().set()).containsEntry("x-version", "v1");
        assertThat(http.get(2).headers().request().add()).containsEntry("x-mesh", "weft");
        assertThat(http.get(2).headers().request().remove()).containsExactly("x-debug");
    }

    @Test
    void bindsRedirectFaultAndMirror() throws Exception {
        VirtualService productpage = loadBookinfo().virtualServices().get(1);
        assertThat(productpage.spec().gateways()).containsExactly("mesh");
        var redirect = productpage.spec().http().getFirst().redirect();
        assertThat(redirect.uri()).isEqualTo("/productpage");
        assertThat(redirect.redirectCodeOrDefault()).isEqualTo(302);
        var second = productpage.spec().http().get(1);
        assertThat(second.fault().delay().fixedDelay()).isEqualTo(Duration.ofSeconds(5));
        assertThat(second.fault().delay().percentage().value()).isEqualTo(0.1);
        assertThat(second.mirror().host()).isEqualTo("ratings");
        assertThat(second.mirrorPercentage().value()).isEqualTo(10.0);
        assertThat(second.route().getFirst().weight()).isNull();
        assertThat(second.route().getFirst().weightOrDefault(1)).isEqualTo(100);
    }

    @Test
    void bindsDestinationRulePolicies() throws Exception {
        MeshConfig config = loadBookinfo();
        var reviews = config.destinationRules().getFirst().spec();
        assertThat(reviews.trafficPolicy().loadBalancer().simple()).isEqualTo(SimpleLb.LEAST_REQUEST);
        assertThat(reviews.subset("v3").trafficPolicy().loadBalancer().simple()).isEqualTo(SimpleLb.ROUND_ROBIN);
        assertThat(reviews.subset("v2").labels()).isEqualTo(Map.of("version", "v2"));
        ConsistentHashLb cookie = config.destinationRules().get(1).spec().trafficPolicy().loadBalancer().consistentHash();
        assertThat(cookie.httpCookie().name()).isEqualTo("user");
        assertThat(cookie.httpCookie().ttl()).isEqualTo(Duration.ofMillis(500));
        assertThat(cookie.ringHash().minimumRingSize()).isEqualTo(1024L);
        var details = config.destinationRules().get(2).spec().trafficPolicy();
        assertThat(details.loadBalancer().consistentHash().maglev().tableSize()).isEqualTo(65537L);
        assertThat(details.connectionPool().tcp().connectTimeout()).isEqualTo(Duration.ofMillis(30));
        assertThat(details.connectionPool().http().idleTimeout()).isEqualTo(Duration.ofMinutes(1));
        assertThat(details.outlierDetection().baseEjectionTime()).isEqualTo(Duration.ofMinutes(15));
    }

    @Test
    void bindsServiceEntriesAndWorkloadEntries() throws Exception {
        MeshConfig config = loadBookinfo();
        ServiceEntry external = config.serviceEntries().getFirst();
        assertThat(external.spec().resolutionOrDefault()).isEqualTo(ServiceEntrySpec.Resolution.STATIC);
        assertThat(external.spec().ports().getFirst().targetPort()).isEqualTo(8080);
        assertThat(external.spec().endpoints()).extracting(e -> e.address()).containsExactly("127.0.0.1", "127.0.0.2");
        assertThat(external.spec().endpoints().getFirst().ports()).containsEntry("http", 18080);
        ServiceEntry legacy = config.serviceEntries().get(1);
        assertThat(legacy.spec().locationOrDefault()).isEqualTo(ServiceEntrySpec.Location.MESH_INTERNAL);
        // other/other-vm has matching labels but lives in another namespace
        assertThat(config.workloadEntriesFor(legacy)).extracting(w -> w.meta().name()).containsExactly("legacy-vm-1");
        var vm = config.workloadEntriesFor(legacy).getFirst().spec();
        assertThat(vm.weight()).isEqualTo(3);
        assertThat(vm.serviceAccount()).isEqualTo("legacy");
        assertThat(vm.locality()).isEqualTo("us-east1/zone-a");
    }

    @Test
    void lookupsResolveShortNamesInTheResourceNamespace() throws Exception {
        MeshConfig config = loadBookinfo();
        assertThat(config.virtualServicesFor("reviews.default.svc.cluster.local"))
                .extracting(v -> v.meta().name()).containsExactly("reviews");
        assertThat(config.virtualServicesFor("productpage.example.com")).hasSize(1);
        assertThat(config.virtualServicesFor("reviews.other.svc.cluster.local")).isEmpty();
        assertThat(config.destinationRuleFor("ratings", "default").meta().name()).isEqualTo("ratings");
        assertThat(config.destinationRuleFor("reviews.default.svc.cluster.local", "other").meta().name())
                .isEqualTo("reviews");
        assertThat(config.destinationRuleFor("unknown", "default")).isNull();
        assertThat(config.serviceEntriesFor("ratings.example.com")).hasSize(1);
    }

    @Test
    void loadsASingleFileAndNothingFromAnEmptyDirectory(@TempDir Path dir) throws Exception {
        LoadResult one = ConfigLoader.load(bookinfo().resolve("20-virtual-services.yml"));
        // alone, the VirtualService's subsets have no DestinationRule: the set is rejected as a whole
        assertThat(one.ok()).isFalse();
        assertThat(one.errors()).allMatch(e -> e.message().contains("unknown subset"));

        LoadResult empty = ConfigLoader.load(dir);
        assertThat(empty.ok()).isTrue();
        assertThat(empty.config().all()).isEmpty();

        Files.writeString(dir.resolve("notes.txt"), "not: [yaml");
        Files.writeString(dir.resolve("empty.yaml"), "---\n# nothing here\n---\n");
        assertThat(ConfigLoader.load(dir).ok()).isTrue();
    }

    @Test
    void filesAreReadInNameOrder(@TempDir Path dir) throws Exception {
        String vs = """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata:
                  name: %s
                spec:
                  hosts: [%s]
                  http:
                  - route:
                    - destination:
                        host: %s
                """;
        Files.writeString(dir.resolve("b.yaml"), vs.formatted("b", "b", "b"));
        Files.writeString(dir.resolve("a.yml"), vs.formatted("a", "a", "a"));
        Files.writeString(dir.resolve("c.yaml"), vs.formatted("c", "c", "c"));
        MeshConfig config = ConfigLoader.load(dir).config();
        assertThat(config.virtualServices()).extracting(v -> v.meta().name()).containsExactly("a", "b", "c");
        assertThat(ConfigLoader.yamlFilesIn(dir)).extracting(p -> p.getFileName().toString())
                .isEqualTo(List.of("a.yml", "b.yaml", "c.yaml"));
    }
    @Test
    void yamlAnchorsAndAliasesExpandAndHiddenFilesAreSkipped(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("routes.yaml"), """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata:
                  name: reviews
                spec:
                  hosts: &hosts
                  - reviews
                  http:
                  - route:
                    - destination: &dest
                        host: reviews
                  - match:
                    - uri:
                        prefix: /v2
                    route:
                    - destination: *dest
                  exportTo: ["."]
                """);
        Files.writeString(dir.resolve(".#routes.yaml"), "not: [valid");
        LoadResult result = ConfigLoader.load(dir);
        assertThat(result.errors()).isEmpty();
        var http = result.config().virtualServices().getFirst().spec().http();
        assertThat(http.get(1).route().getFirst().destination().host()).isEqualTo("reviews");
    }
}
