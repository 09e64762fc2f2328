package dev.weft.dataplane.routing;

import static dev.weft.dataplane.routing.Routes.clusterOf;
import static dev.weft.dataplane.routing.Routes.forward;
import static dev.weft.dataplane.routing.Routes.host;
import static dev.weft.dataplane.routing.Routes.prefix;
import static dev.weft.dataplane.routing.Routes.route;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.dataplane.config.HashPolicy;
import dev.weft.dataplane.config.HeaderMutations;
import dev.weft.dataplane.config.RouteAction;
import dev.weft.dataplane.config.RouteMatch;
import dev.weft.dataplane.config.RouteMatch.HeaderMatch;
import dev.weft.dataplane.config.RouteMatch.QueryParameterMatch;
import dev.weft.dataplane.config.RouteTable;
import dev.weft.dataplane.config.StringMatcher;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class RouterTest {

    private static Router hosts() {
        return Router.compile(new RouteTable("outbound", List.of(
                host("reviews", List.of("reviews.default.svc.cluster.local", "reviews", "reviews:9080"),
                        route("r", prefix("/"), forward("reviews-exact"))),
                host("suffix-short", List.of("*.svc.cluster.local"), route("r", prefix("/"), forward("short-suffix"))),
                host("suffix-long", List.of("*.other.svc.cluster.local"),
                        route("r", prefix("/"), forward("long-suffix"))),
                host("prefix", List.of("api.*"), route("r", prefix("/"), forward("prefix"))),
                host("port-only", List.of("ratings:9999"), route("r", prefix("/"), forward("ratings-9999"))),
                host("default", List.of("*"), route("r", prefix("/"), forward("default"))))));
    }

    @Test
    void exactDomainsWinAndIgnoreCaseAndPort() {
        Router router = hosts();
        assertThat(clusterOf(router.route(TestRequest.get("reviews", "/")))).isEqualTo("reviews-exact");
        assertThat(clusterOf(router.route(TestRequest.get("REVIEWS:9080", "/")))).isEqualTo("reviews-exact");
        assertThat(clusterOf(router.route(TestRequest.get("reviews:1234", "/")))).isEqualTo("reviews-exact");
        assertThat(clusterOf(router.route(TestRequest.get("reviews.default.svc.cluster.local:9080", "/"))))
                .isEqualTo("reviews-exact");
    }

    @Test
    void hostWithPortIsTriedBeforeBareHost() {
        Router router = hosts();
        assertThat(clusterOf(router.route(TestRequest.get("ratings:9999", "/")))).isEqualTo("ratings-9999");
        assertThat(clusterOf(router.route(TestRequest.get("ratings:9998", "/")))).isEqualTo("default");
    }

    @Test
    void longestSuffixThenPrefixThenDefault() {
        Router router = hosts();
        assertThat(clusterOf(router.route(TestRequest.get("a.other.svc.cluster.local", "/"))))
                .isEqualTo("long-suffix");
        assertThat(clusterOf(router.route(TestRequest.get("details.default.svc.cluster.local", "/"))))
                .isEqualTo("short-suffix");
        assertThat(clusterOf(router.route(TestRequest.get("api.example.com", "/")))).isEqualTo("prefix");
        assertThat(clusterOf(router.route(TestRequest.get("unknown", "/")))).isEqualTo("default");
        // a wildcard stands for at least one character
        assertThat(clusterOf(router.route(TestRequest.get(".svc.cluster.local", "/")))).isEqualTo("default");
    }

    @Test
    void noVirtualHostMeansNoRoute() {
        Router router = Router.compile(new RouteTable("t", List.of(
                host("reviews", List.of("reviews"), route("r", prefix("/"), forward("reviews"))))));
        assertThat(router.route(TestRequest.get("details", "/"))).isNull();
        assertThat(router.route(TestRequest.get("reviews", "/x"))).isNotNull();
    }

    @Test
    void pathMatchesRespectCaseSensitivityAndIgnoreQuery() {
        RouteMatch exact = new RouteMatch(new RouteMatch.PathMatch.Exact("/login"), false, List.of(), List.of());
        RouteMatch regex = new RouteMatch(new RouteMatch.PathMatch.Regex(Pattern.compile("/v[0-9]+/items")), true,
                List.of(), List.of());
        Router router = Router.compile(new RouteTable("t", List.of(host("h", List.of("*"),
                route("exact", exact, forward("login")),
                route("regex", regex, forward("items")),
                route("prefix", prefix("/api"), forward("api"))))));
        assertThat(clusterOf(router.route(TestRequest.get("h", "/LOGIN?next=/")))).isEqualTo("login");
        assertThat(clusterOf(router.route(TestRequest.get("h", "/v2/items?x=1")))).isEqualTo("items");
        assertThat(router.route(TestRequest.get("h", "/v2/items/more"))).isNull();
        assertThat(clusterOf(router.route(TestRequest.get("h", "/api/x")))).isEqualTo("api");
        assertThat(router.route(TestRequest.get("h", "/API/x"))).isNull();
    }

    @Test
    void firstMatchingRouteWinsWithHeadersPseudoHeadersAndInversion() {
        RouteMatch jason = new RouteMatch(new RouteMatch.PathMatch.Prefix("/"), true,
                List.of(new HeaderMatch("end-user", new StringMatcher.Exact("jason", false), false, false)),
                List.of());
        RouteMatch post = new RouteMatch(new RouteMatch.PathMatch.Prefix("/"), true,
                List.of(new HeaderMatch(":method", new StringMatcher.Exact("POST", false), false, false)), List.of());
        RouteMatch noDebug = new RouteMatch(new RouteMatch.PathMatch.Prefix("/"), true,
                List.of(new HeaderMatch("x-debug", null, true, true)), List.of());
        Router router = Router.compile(new RouteTable("t", List.of(host("h", List.of("*"),
                route("jason", jason, forward("v2")),
                route("post", post, forward("writer")),
                route("plain", noDebug, forward("v1"))))));
        assertThat(clusterOf(router.route(TestRequest.get("h", "/").header("end-user", "jason")))).isEqualTo("v2");
        assertThat(clusterOf(router.route(TestRequest.get("h", "/").header("end-user", "Jason")))).isEqualTo("v1");
        assertThat(clusterOf(router.route(TestRequest.of("POST", "h", "/")))).isEqualTo("writer");
        assertThat(router.route(TestRequest.get("h", "/").header("x-debug", "1"))).isNull();
    }

    @Test
    void queryParametersAreMatchedDecoded() {
        RouteMatch q = new RouteMatch(new RouteMatch.PathMatch.Prefix("/"), true, List.of(), List.of(
                new QueryParameterMatch("user", new StringMatcher.Exact("a b", false)),
                new QueryParameterMatch("beta", null)));
        Router router = Router.compile(new RouteTable("t", List.of(host("h", List.of("*"),
                route("q", q, forward("beta"))))));
        assertThat(clusterOf(router.route(TestRequest.get("h", "/p?beta&user=a%20b")))).isEqualTo("beta");
        assertThat(router.route(TestRequest.get("h", "/p?user=a%20b"))).isNull();
        assertThat(router.route(TestRequest.get("h", "/p?beta=1&user=c"))).isNull();
        assertThat(router.route(TestRequest.get("h", "/p"))).isNull();
    }

    @Test
    void weightedPickFollowsWeights() {
        RouteAction.Forward split = new RouteAction.Forward(List.of(
                new RouteAction.WeightedCluster("v1", 80, HeaderMutations.NONE, HeaderMutations.NONE),
                new RouteAction.WeightedCluster("v2", 20, HeaderMutations.NONE, HeaderMutations.NONE)),
                null, null, null, Duration.ZERO, List.of(), null);
        CompiledRoute r = Router.compile(new RouteTable("t", List.of(host("h", List.of("*"),
                route("split", prefix("/"), split))))).route(TestRequest.get("h", "/"));
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < 20_000; i++) {
            counts.merge(r.pickCluster().name(), 1, Integer::sum);
        }
        assertThat(counts.get("v1") / 20_000.0).isBetween(0.77, 0.83);
        assertThat(counts.get("v2") / 20_000.0).isBetween(0.17, 0.23);

        WeightedClusterPicker picker = new WeightedClusterPicker(split.clusters());
        assertThat(picker.pick(0).name()).isEqualTo("v1");
        assertThat(picker.pick(79).name()).isEqualTo("v1");
        assertThat(picker.pick(80).name()).isEqualTo("v2");
        assertThat(picker.pick(99).name()).isEqualTo("v2");
    }

    @Test
    void prefixAndRegexRewritesKeepTheQuery() {
        RouteAction.Forward prefixRewrite = new RouteAction.Forward(forward("c").clusters(), "/v2/", null, null,
                Duration.ZERO, List.of(), null);
        RouteAction.Forward toRoot = new RouteAction.Forward(forward("c").clusters(), "/", null, null,
                Duration.ZERO, List.of(), null);
        RouteAction.Forward regexRewrite = new RouteAction.Forward(forward("c").clusters(), null,
                new RouteAction.RegexRewrite(Pattern.compile("^/users/([0-9]+)/profile$"), "/profiles/\\1"), null,
                Duration.ZERO, List.of(), null);
        Router router = Router.compile(new RouteTable("t", List.of(host("h", List.of("*"),
                route("p", prefix("/old/"), prefixRewrite),
                route("root", prefix("/strip"), toRoot),
                route("re", prefix("/users/"), regexRewrite)))));
        assertThat(router.route(TestRequest.get("h", "/old/a/b?x=1")).upstreamPath("/old/a/b?x=1"))
                .isEqualTo("/v2/a/b?x=1");
        assertThat(router.route(TestRequest.get("h", "/strip")).upstreamPath("/strip")).isEqualTo("/");
        assertThat(router.route(TestRequest.get("h", "/users/42/profile")).upstreamPath("/users/42/profile?a=$"))
                .isEqualTo("/profiles/42?a=$");
    }

    @Test
    void redirectsBuildTheLocation() {
        Router router = Router.compile(new RouteTable("t", List.of(host("h", List.of("*"),
                route("full", prefix("/full"), new RouteAction.Redirect("https", "secure.example.com", 0,
                        "/new", null, 308, false)),
                route("prefix", prefix("/old/"), new RouteAction.Redirect(null, null, 0, null, "/new/", 0, true)),
                route("port", prefix("/port"), new RouteAction.Redirect(null, null, 8443, null, null, 302,
                        false))))));
        CompiledRoute full = router.route(TestRequest.get("shop:8080", "/full?x=1"));
        assertThat(full.redirectStatus()).isEqualTo(308);
        assertThat(full.redirectLocation(TestRequest.get("shop:8080", "/full?x=1")))
                .isEqualTo("https://secure.example.com:8080/new?x=1");
        TestRequest old = TestRequest.get("shop", "/old/page?x=1");
        assertThat(router.route(old).redirectStatus()).isEqualTo(301);
        assertThat(router.route(old).redirectLocation(old)).isEqualTo("http://shop/new/page");
        TestRequest plain = TestRequest.get("shop:80", "/full");
        assertThat(router.route(plain).redirectLocation(plain)).isEqualTo("https://secure.example.com/new");
        TestRequest port = TestRequest.get("shop:80", "/port");
        assertThat(router.route(port).redirectLocation(port)).isEqualTo("http://shop:8443/port");
    }

    @Test
    void hashPoliciesAreStableAndCombined() {
        RouteAction.Forward byHeader = new RouteAction.Forward(forward("c").clusters(), null, null, null,
                Duration.ZERO, List.of(new HashPolicy.Header("x-user", true), new HashPolicy.SourceIp(false)),
                null);
        RouteAction.Forward byCookie = new RouteAction.Forward(forward("c").clusters(), null, null, null,
                Duration.ZERO, List.of(new HashPolicy.Cookie("session", Duration.ofSeconds(60), "/", false)), null);
        Router router = Router.compile(new RouteTable("t", List.of(host("h", List.of("*"),
                route("cookie", prefix("/c"), byCookie),
                route("header", prefix("/"), byHeader)))));
        TestRequest alice = TestRequest.get("h", "/").header("x-user", "alice").from("10.0.0.1");
        TestRequest aliceElsewhere = TestRequest.get("h", "/").header("x-user", "alice").from("10.0.0.2");
        TestRequest bob = TestRequest.get("h", "/").header("x-user", "bob");
        CompiledRoute r = router.route(alice);
        // terminal header policy: source IP is not mixed in
        assertThat(r.hash(alice).hash()).isEqualTo(r.hash(aliceElsewhere).hash());
        assertThat(r.hash(alice).hash()).isNotEqualTo(r.hash(bob).hash());
        // no header: falls through to the source IP
        TestRequest anon1 = TestRequest.get("h", "/").from("10.0.0.9");
        TestRequest anon2 = TestRequest.get("h", "/").from("10.0.0.9");
        assertThat(r.hash(anon1).hash()).isEqualTo(r.hash(anon2).hash());

        TestRequest withCookie = TestRequest.get("h", "/c").header("cookie", "a=1; session=\"abc\"");
        CompiledRoute c = router.route(withCookie);
        assertThat(c.hash(withCookie).setCookie()).isNull();
        assertThat(c.hash(withCookie).hash())
                .isEqualTo(c.hash(TestRequest.get("h", "/c").header("cookie", "session=abc")).hash());
        RequestHash generated = c.hash(TestRequest.get("h", "/c"));
        assertThat(generated.setCookie()).startsWith("session=").contains("Max-Age=60", "Path=/");
    }

    @Test
    void authorityParsingHandlesIpv6() {
        assertThat(Authority.host("[::1]:8080")).isEqualTo("[::1]");
        assertThat(Authority.port("[::1]:8080")).isEqualTo(8080);
        assertThat(Authority.port("[::1]")).isEqualTo(-1);
        assertThat(Authority.host("reviews")).isEqualTo("reviews");
        assertThat(Authority.port("reviews:x")).isEqualTo(-1);
    }
}
