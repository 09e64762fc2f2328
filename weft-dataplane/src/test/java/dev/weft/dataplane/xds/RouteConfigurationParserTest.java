package dev.weft.dataplane.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.BoolValue;
import com.google.protobuf.UInt32Value;
import dev.weft.dataplane.config.HashPolicy;
import dev.weft.dataplane.config.HeaderMutations;
import dev.weft.dataplane.config.RouteAction;
import dev.weft.dataplane.config.RouteMatch;
import dev.weft.dataplane.config.RouteTable;
import dev.weft.dataplane.config.StringMatcher;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.route.v3.DirectResponseAction;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.QueryParameterMatcher;
import io.envoyproxy.envoy.config.route.v3.RedirectAction;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatchAndSubstitute;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class RouteConfigurationParserTest {

    static HeaderValueOption header(String k, String v, HeaderValueOption.HeaderAppendAction action) {
        return HeaderValueOption.newBuilder().setHeader(HeaderValue.newBuilder().setKey(k).setValue(v))
                .setAppendAction(action).build();
    }

    static io.envoyproxy.envoy.type.matcher.v3.StringMatcher.Builder sm() {
        return io.envoyproxy.envoy.type.matcher.v3.StringMatcher.newBuilder();
    }

    static RegexMatcher re(String regex) {
        return RegexMatcher.newBuilder().setRegex(regex).build();
    }

    static RouteConfiguration withRoute(Route route) {
        return XdsFixtures.routes("outbound", route);
    }

    static Route.Builder base() {
        return XdsFixtures.route("/", "c").toBuilder();
    }

    @Test
    void parsesVirtualHostsAndDomains() throws Exception {
        RouteTable t = RouteConfigurationParser.parse(XdsFixtures.routes("outbound",
                XdsFixtures.route("/", XdsFixtures.REVIEWS)));
        assertThat(t.name()).isEqualTo("outbound");
        assertThat(t.virtualHosts()).hasSize(1);
        var vh = t.virtualHosts().getFirst();
        assertThat(vh.name()).isEqualTo("reviews.default.svc.cluster.local:9080");
        assertThat(vh.domains()).containsExactly("reviews", "reviews:9080", "reviews.default.svc.cluster.local");
        var fwd = (RouteAction.Forward) vh.routes().getFirst().action();
        assertThat(fwd.clusters()).extracting(RouteAction.WeightedCluster::name).containsExactly(XdsFixtures.REVIEWS);
        assertThat(fwd.timeout()).as("Envoy's default route timeout").isEqualTo(Duration.ofSeconds(15));
        assertThat(fwd.hashPolicies()).isEmpty();
        assertThat(fwd.retryPolicy()).isNull();
    }

    @Test
    void parsesEveryMatchKind() throws Exception {
        Route r = base().setMatch(io.envoyproxy.envoy.config.route.v3.RouteMatch.newBuilder()
                        .setSafeRegex(re("/api/v[0-9]+/.*"))
                        .setCaseSensitive(BoolValue.of(false))
                        .addHeaders(HeaderMatcher.newBuilder().setName("End-User")
                                .setStringMatch(sm().setExact("jason")))
                        .addHeaders(HeaderMatcher.newBuilder().setName(":method")
                                .setStringMatch(sm().setPrefix("GE").setIgnoreCase(true)))
                        .addHeaders(HeaderMatcher.newBuilder().setName("x-suffix").setStringMatch(sm().setSuffix("z")))
                        .addHeaders(HeaderMatcher.newBuilder().setName("x-contains")
                                .setStringMatch(sm().setContains("mid")))
                        .addHeaders(HeaderMatcher.newBuilder().setName("x-re")
                                .setStringMatch(sm().setSafeRegex(re("a+b"))).setInvertMatch(true))
                        .addHeaders(HeaderMatcher.newBuilder().setName("x-present").setPresentMatch(true))
                        .addHeaders(HeaderMatcher.newBuilder().setName("x-absent").setPresentMatch(false))
                        .addQueryParameters(QueryParameterMatcher.newBuilder().setName("debug").setPresentMatch(true))
                        .addQueryParameters(QueryParameterMatcher.newBuilder().setName("v")
                                .setStringMatch(sm().setExact("2"))))
                .build();
        RouteMatch m = RouteConfigurationParser.parse(withRoute(r)).virtualHosts().getFirst().routes().getFirst()
                .match();
        assertThat(m.path()).isInstanceOf(RouteMatch.PathMatch.Regex.class);
        assertThat(((RouteMatch.PathMatch.Regex) m.path()).pattern().matcher("/api/v2/x").matches()).isTrue();
        assertThat(m.caseSensitive()).isFalse();
        assertThat(m.headers()).hasSize(7);
        assertThat(m.headers().get(0)).isEqualTo(new RouteMatch.HeaderMatch("end-user",
                new StringMatcher.Exact("jason", false), false, false));
        assertThat(m.headers().get(1).value().matches("get")).isTrue();
        assertThat(m.headers().get(2).value()).isEqualTo(new StringMatcher.Suffix("z", false));
        assertThat(m.headers().get(3).value()).isEqualTo(new StringMatcher.Contains("mid", false));
        assertThat(m.headers().get(4).invert()).isTrue();
        assertThat(m.headers().get(4).value().matches("aab")).isTrue();
        assertThat(m.headers().get(5)).isEqualTo(new RouteMatch.HeaderMatch("x-present", null, true, false));
        assertThat(m.headers().get(6)).as("present_match false = must be absent")
                .isEqualTo(new RouteMatch.HeaderMatch("x-absent", null, true, true));
        assertThat(m.queryParameters()).containsExactly(new RouteMatch.QueryParameterMatch("debug", null),
                new RouteMatch.QueryParameterMatch("v", new StringMatcher.Exact("2", false)));
    }

    @Test
    void parsesExactAndPrefixPaths() throws Exception {
        Route exact = base().setMatch(io.envoyproxy.envoy.config.route.v3.RouteMatch.newBuilder().setPath("/login"))
                .build();
        assertThat(RouteConfigurationParser.parse(withRoute(exact)).virtualHosts().getFirst().routes().getFirst()
                .match().path()).isEqualTo(new RouteMatch.PathMatch.Exact("/login"));
        assertThat(RouteConfigurationParser.parse(withRoute(base().build())).virtualHosts().getFirst().routes()
                .getFirst().match().path()).isEqualTo(new RouteMatch.PathMatch.Prefix("/"));
    }

    @Test
    void parsesForwardActionFields() throws Exception {
        Route r = base().setRoute(io.envoyproxy.envoy.config.route.v3.RouteAction.newBuilder()
                        .setWeightedClusters(WeightedCluster.newBuilder()
                                .addClusters(WeightedCluster.ClusterWeight.newBuilder().setName("v1")
                                        .setWeight(UInt32Value.of(80))
                                        .addRequestHeadersToAdd(header("x-v", "1",
                                                HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD)))
                                .addClusters(WeightedCluster.ClusterWeight.newBuilder().setName("v2")
                                        .setWeight(UInt32Value.of(20))
                                        .addResponseHeadersToRemove("x-secret")))
                        .setRegexRewrite(RegexMatchAndSubstitute.newBuilder().setPattern(re("^/old/(.*)$"))
                                .setSubstitution("/new/\\1"))
                        .setHostRewriteLiteral("ratings.internal")
                        .setTimeout(com.google.protobuf.Duration.newBuilder().setSeconds(0))
                        .addHashPolicy(io.envoyproxy.envoy.config.route.v3.RouteAction.HashPolicy.newBuilder()
                                .setHeader(io.envoyproxy.envoy.config.route.v3.RouteAction.HashPolicy.Header
                                        .newBuilder().setHeaderName("X-User")))
                        .addHashPolicy(io.envoyproxy.envoy.config.route.v3.RouteAction.HashPolicy.newBuilder()
                                .setCookie(io.envoyproxy.envoy.config.route.v3.RouteAction.HashPolicy.Cookie
                                        .newBuilder().setName("session").setPath("/")
                                        .setTtl(com.google.protobuf.Duration.newBuilder().setSeconds(60))))
                        .addHashPolicy(io.envoyproxy.envoy.config.route.v3.RouteAction.HashPolicy.newBuilder()
                                .setConnectionProperties(io.envoyproxy.envoy.config.route.v3.RouteAction.HashPolicy
                                        .ConnectionProperties.newBuilder().setSourceIp(true))
                                .setTerminal(true)))
                .addRequestHeadersToAdd(header("x-set", "a", HeaderValueOption.HeaderAppendAction
                        .OVERWRITE_IF_EXISTS_OR_ADD))
                .addRequestHeadersToAdd(header("X-Add", "b", HeaderValueOption.HeaderAppendAction
                        .APPEND_IF_EXISTS_OR_ADD))
                .addRequestHeadersToRemove("x-drop")
                .addResponseHeadersToAdd(HeaderValueOption.newBuilder()
                        .setHeader(HeaderValue.newBuilder().setKey("x-legacy").setValue("c"))
                        .setAppend(BoolValue.of(false)))
                .build();
        var route = RouteConfigurationParser.parse(withRoute(r)).virtualHosts().getFirst().routes().getFirst();
        var fwd = (RouteAction.Forward) route.action();
        assertThat(fwd.clusters()).containsExactly(
                new RouteAction.WeightedCluster("v1", 80, new HeaderMutations(
                        java.util.List.of(new HeaderMutations.Header("x-v", "1")), java.util.List.of(),
                        java.util.List.of()), HeaderMutations.NONE),
                new RouteAction.WeightedCluster("v2", 20, HeaderMutations.NONE, new HeaderMutations(
                        java.util.List.of(), java.util.List.of(), java.util.List.of("x-secret"))));
        assertThat(fwd.regexRewrite().pattern().pattern()).isEqualTo("^/old/(.*)$");
        assertThat(fwd.regexRewrite().substitution()).isEqualTo("/new/\\1");
        assertThat(fwd.prefixRewrite()).isNull();
        assertThat(fwd.hostRewrite()).isEqualTo("ratings.internal");
        assertThat(fwd.timeout()).isEqualTo(Duration.ZERO);
        assertThat(fwd.hashPolicies()).containsExactly(new HashPolicy.Header("x-user", false),
                new HashPolicy.Cookie("session", Duration.ofSeconds(60), "/", false), new HashPolicy.SourceIp(true));
        assertThat(route.requestHeaders().set()).containsExactly(new HeaderMutations.Header("x-set", "a"));
        assertThat(route.requestHeaders().add()).containsExactly(new HeaderMutations.Header("x-add", "b"));
        assertThat(route.requestHeaders().remove()).containsExactly("x-drop");
        assertThat(route.responseHeaders().set()).containsExactly(new HeaderMutations.Header("x-legacy", "c"));
    }

    @Test
    void parsesRedirectAndDirectResponse() throws Exception {
        Route redirect = base().clearRoute().setRedirect(RedirectAction.newBuilder().setSchemeRedirect("https")
                .setHostRedirect("example.com").setPortRedirect(8443).setPrefixRewrite("/v2/")
                .setResponseCode(RedirectAction.RedirectResponseCode.PERMANENT_REDIRECT).setStripQuery(true)).build();
        assertThat(RouteConfigurationParser.parse(withRoute(redirect)).virtualHosts().getFirst().routes().getFirst()
                .action()).isEqualTo(new RouteAction.Redirect("https", "example.com", 8443, null, "/v2/", 308, true));
        Route plain = base().clearRoute().setRedirect(RedirectAction.newBuilder().setPathRedirect("/x")).build();
        assertThat(RouteConfigurationParser.parse(withRoute(plain)).virtualHosts().getFirst().routes().getFirst()
                .action()).isEqualTo(new RouteAction.Redirect(null, null, 0, "/x", null, 301, false));
        Route direct = base().clearRoute().setDirectResponse(DirectResponseAction.newBuilder().setStatus(503)
                .setBody(DataSource.newBuilder().setInlineString("down for maintenance"))).build();
        assertThat(RouteConfigurationParser.parse(withRoute(direct)).virtualHosts().getFirst().routes().getFirst()
                .action()).isEqualTo(new RouteAction.DirectResponse(503, "down for maintenance"));
    }

    @Test
    void parsesVirtualHostHeaderMutations() throws Exception {
        RouteConfiguration rc = XdsFixtures.routes("outbound", base().build()).toBuilder()
                .setVirtualHosts(0, XdsFixtures.routes("outbound", base().build()).getVirtualHosts(0).toBuilder()
                        .addResponseHeadersToAdd(header("x-mesh", "weft",
                                HeaderValueOption.HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD))
                        .addRequestHeadersToRemove("cookie"))
                .build();
        var vh = RouteConfigurationParser.parse(rc).virtualHosts().getFirst();
        assertThat(vh.responseHeaders().add()).containsExactly(new HeaderMutations.Header("x-mesh", "weft"));
        assertThat(vh.requestHeaders().remove()).containsExactly("cookie");
    }

    @Test
    void rejectsInvalidRegexNamingTheField() {
        Route r = base().setMatch(io.envoyproxy.envoy.config.route.v3.RouteMatch.newBuilder()
                .setPrefix("/").addHeaders(HeaderMatcher.newBuilder().setName("x")
                        .setStringMatch(sm().setSafeRegex(re("a(b"))))).build();
        assertThatThrownBy(() -> RouteConfigurationParser.parse(withRoute(r)))
                .isInstanceOf(ResourceRejectedException.class)
                .hasMessageStartingWith("RouteConfiguration outbound: virtual_hosts[0].routes[0].match.headers[0]"
                        + ".string_match.safe_regex.regex: invalid regex a(b");
        Route path = base().setMatch(io.envoyproxy.envoy.config.route.v3.RouteMatch.newBuilder()
                .setSafeRegex(re("[z-a]"))).build();
        assertThatThrownBy(() -> RouteConfigurationParser.parse(withRoute(path)))
                .hasMessageStartingWith("RouteConfiguration outbound: virtual_hosts[0].routes[0].match.safe_regex"
                        + ".regex: invalid regex [z-a]");
    }

    @Test
    void rejectsZeroTotalWeightAndMissingClusterName() {
        Route r = base().setRoute(io.envoyproxy.envoy.config.route.v3.RouteAction.newBuilder()
                .setWeightedClusters(WeightedCluster.newBuilder().addClusters(WeightedCluster.ClusterWeight
                        .newBuilder().setName("a").setWeight(UInt32Value.of(0))))).build();
        assertThatThrownBy(() -> RouteConfigurationParser.parse(withRoute(r)))
                .hasMessage("RouteConfiguration outbound: virtual_hosts[0].routes[0].route.weighted_clusters: "
                        + "total weight must be between 1 and 2147483647, got 0");
        Route noName = base().setRoute(io.envoyproxy.envoy.config.route.v3.RouteAction.newBuilder().setCluster(""))
                .build();
        assertThatThrownBy(() -> RouteConfigurationParser.parse(withRoute(noName)))
                .hasMessageContaining("routes[0].route.cluster: missing cluster name");
    }

    @Test
    void rejectsUnsupportedFeatures() {
        Route queryHash = base().setRoute(io.envoyproxy.envoy.config.route.v3.RouteAction.newBuilder().setCluster("c")
                .addHashPolicy(io.envoyproxy.envoy.config.route.v3.RouteAction.HashPolicy.newBuilder()
                        .setQueryParameter(io.envoyproxy.envoy.config.route.v3.RouteAction.HashPolicy
                                .QueryParameter.newBuilder().setName("u")))).build();
        assertThatThrownBy(() -> RouteConfigurationParser.parse(withRoute(queryHash)))
                .hasMessageContaining("route.hash_policy[0]: unsupported hash policy QUERY_PARAMETER");
        Route addIfAbsent = base().addRequestHeadersToAdd(header("x", "y",
                HeaderValueOption.HeaderAppendAction.ADD_IF_ABSENT)).build();
        assertThatThrownBy(() -> RouteConfigurationParser.parse(withRoute(addIfAbsent)))
                .hasMessageContaining("routes[0].request_headers_to_add[0].append_action: unsupported append action");
        Route noAction = base().clearRoute().build();
        assertThatThrownBy(() -> RouteConfigurationParser.parse(withRoute(noAction)))
                .hasMessageContaining("routes[0]: a route needs route, redirect or direct_response");
        Route hostHeader = base().addRequestHeadersToAdd(header(":authority", "x",
                HeaderValueOption.HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD)).build();
        assertThatThrownBy(() -> RouteConfigurationParser.parse(withRoute(hostHeader)))
                .hasMessageContaining("header :authority cannot be modified here");
        Route routeUpgrade = base().setRoute(io.envoyproxy.envoy.config.route.v3.RouteAction.newBuilder().setCluster("c")
                .addUpgradeConfigs(io.envoyproxy.envoy.config.route.v3.RouteAction.UpgradeConfig.newBuilder()
                        .setUpgradeType("websocket"))).build();
        assertThatThrownBy(() -> RouteConfigurationParser.parse(withRoute(routeUpgrade)))
                .hasMessageContaining("route.upgrade_configs: per-route upgrade settings are not supported");
    }

    @Test
    void rejectsBadDomains() {
        RouteConfiguration twoStars = RouteConfiguration.newBuilder().setName("outbound")
                .addVirtualHosts(VirtualHost.newBuilder().setName("a").addDomains("*.foo.*").addRoutes(base()))
                .build();
        assertThatThrownBy(() -> RouteConfigurationParser.parse(twoStars))
                .hasMessage("RouteConfiguration outbound: virtual_hosts[0].domains[0]: invalid domain *.foo.*: "
                        + "a wildcard may only start or end it");
        RouteConfiguration dup = RouteConfiguration.newBuilder().setName("outbound")
                .addVirtualHosts(VirtualHost.newBuilder().setName("a").addDomains("reviews").addRoutes(base()))
                .addVirtualHosts(VirtualHost.newBuilder().setName("b").addDomains("Reviews").addRoutes(base()))
                .build();
        assertThatThrownBy(() -> RouteConfigurationParser.parse(dup))
                .hasMessage("RouteConfiguration outbound: virtual_hosts[1].domains[0]: domain reviews appears in "
                        + "more than one virtual host");
    }
}
