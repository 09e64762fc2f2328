package dev.weft.controlplane.generator;

import com.google.protobuf.BoolValue;
import com.google.protobuf.UInt32Value;
import com.google.protobuf.util.Durations;
import dev.weft.config.Hosts;
import dev.weft.config.model.Destination;
import dev.weft.config.model.HttpMatchRequest;
import dev.weft.config.model.HttpRedirect;
import dev.weft.config.model.HttpRoute;
import dev.weft.config.model.HttpRouteDestination;
import dev.weft.config.model.StringMatch;
import dev.weft.config.model.VirtualService;
import dev.weft.controlplane.proxy.ProxyNode;
import dev.weft.controlplane.push.PushContext;
import dev.weft.controlplane.registry.MeshService;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.QueryParameterMatcher;
import io.envoyproxy.envoy.config.route.v3.RedirectAction;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatchAndSubstitute;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The Envoy routes of one service port for one proxy: the HTTP routes of the VirtualServices bound to the host,
 * in order (one Envoy route per applicable match block), or a default route to {@code outbound|port||host}.
 */
final class HttpRouteTranslator {
    private final PushContext context;
    private final ProxyNode proxy;

    HttpRouteTranslator(PushContext context, ProxyNode proxy) {
        this.context = context;
        this.proxy = proxy;
    }

    List<Route> routes(String host, int port) {
        List<VirtualService> bound = context.virtualServices(host);
        if (bound.isEmpty()) {
            return List.of(defaultRoute(host, port));
        }
        List<Route> out = new ArrayList<>();
        for (VirtualService vs : bound) {
            List<HttpRoute> http = vs.spec().http();
            for (int i = 0; i < http.size(); i++) {
                translate(vs, http.get(i), i, host, port, out);
            }
        }
        return out;
    }

    private Route defaultRoute(String host, int port) {
        String cluster = ClusterNames.outbound(port, null, host);
        List<RouteAction.HashPolicy> hashing = hashPolicy(host, port, null);
        return Route.newBuilder()
                .setName("default")
                .setMatch(RouteMatch.newBuilder().setPrefix("/"))
                .setRoute(RouteAction.newBuilder()
                        .setCluster(cluster)
                        .setTimeout(Durations.ZERO)
                        .setRetryPolicy(RetryPolicyTranslator.translate(null, !hashing.isEmpty())) // Istio's default
                        .addAllHashPolicy(hashing))
                .build();
    }

    private void translate(VirtualService vs, HttpRoute http, int index, String host, int port, List<Route> out) {
        String name = http.name() != null ? http.name() : vs.meta().name() + "." + vs.meta().namespace() + "." + index;
        List<RouteMatch> matches = new ArrayList<>();
        if (http.match().isEmpty()) {
            matches.add(RouteMatch.newBuilder().setPrefix("/").build());
        } else {
            for (HttpMatchRequest m : http.match()) {
                if (appliesToProxy(m, port)) {
                    matches.add(match(m));
                }
            }
            if (matches.isEmpty()) {
                return; // every match block is for another port or another source workload
            }
        }
        HeaderOperationsTranslator.Mutations routeHeaders = HeaderOperationsTranslator.of(http.headers());
        Route.Builder template = Route.newBuilder()
                .setName(name)
                .addAllRequestHeadersToAdd(routeHeaders.requestAdd())
                .addAllRequestHeadersToRemove(routeHeaders.requestRemove())
                .addAllResponseHeadersToAdd(routeHeaders.responseAdd())
                .addAllResponseHeadersToRemove(routeHeaders.responseRemove());
        if (http.fault() != null) {
            template.putTypedPerFilterConfig(FaultInjectionTranslator.FILTER,
                    com.google.protobuf.Any.pack(FaultInjectionTranslator.translate(http.fault())));
        }
        if (http.redirect() != null) {
            template.setRedirect(redirect(http.redirect()));
        } else {
            template.setRoute(action(vs, http, host, port, template));
        }
        for (RouteMatch m : matches) {
            out.add(template.clone().setMatch(m).build());
        }
    }

    /** Istio drops match blocks for another port, other source labels/namespace, or gateways only. */
    private boolean appliesToProxy(HttpMatchRequest m, int port) {
        if (m.port() != null && m.port() != port) {
            return false;
        }
        if (!proxy.labels().entrySet().containsAll(m.sourceLabels().entrySet())) {
            return false;
        }
        if (m.sourceNamespace() != null && !m.sourceNamespace().equals(proxy.namespace())) {
            return false;
        }
        return m.gateways().isEmpty() || m.gateways().contains("mesh");
    }

    private RouteAction action(VirtualService vs, HttpRoute http, String host, int port, Route.Builder route) {
        RouteAction.Builder a = RouteAction.newBuilder();
        List<HttpRouteDestination> dests = http.route();
        String firstHost = null;
        int firstPort = 0;
        String firstSubset = null;
        if (dests.size() == 1) {
            HttpRouteDestination d = dests.getFirst();
            String destHost = Hosts.resolve(d.destination().host(), vs.meta().namespace());
            int destPort = destinationPort(d.destination(), destHost, host, port);
            a.setCluster(ClusterNames.outbound(destPort, d.destination().subset(), destHost));
            // A single destination's headers apply to the whole route, after the route's own.
            HeaderOperationsTranslator.Mutations h = HeaderOperationsTranslator.of(d.headers());
            route.addAllRequestHeadersToAdd(h.requestAdd())
                    .addAllRequestHeadersToRemove(h.requestRemove())
                    .addAllResponseHeadersToAdd(h.responseAdd())
                    .addAllResponseHeadersToRemove(h.responseRemove());
            firstHost = destHost;
            firstPort = destPort;
            firstSubset = d.destination().subset();
        } else {
            WeightedCluster.Builder wc = WeightedCluster.newBuilder();
            for (HttpRouteDestination d : dests) {
                int weight = d.weightOrDefault(dests.size());
                if (weight <= 0) {
                    continue;
                }
                String destHost = Hosts.resolve(d.destination().host(), vs.meta().namespace());
                int destPort = destinationPort(d.destination(), destHost, host, port);
                HeaderOperationsTranslator.Mutations h = HeaderOperationsTranslator.of(d.headers());
                wc.addClusters(WeightedCluster.ClusterWeight.newBuilder()
                        .setName(ClusterNames.outbound(destPort, d.destination().subset(), destHost))
                        .setWeight(UInt32Value.of(weight))
                        .addAllRequestHeadersToAdd(h.requestAdd())
                        .addAllRequestHeadersToRemove(h.requestRemove())
                        .addAllResponseHeadersToAdd(h.responseAdd())
                        .addAllResponseHeadersToRemove(h.responseRemove()));
                if (firstHost == null) {
                    firstHost = destHost;
                    firstPort = destPort;
                    firstSubset = d.destination().subset();
                }
            }
            a.setWeightedClusters(wc);
        }
        if (http.rewrite() != null) {
            if (http.rewrite().uri() != null) {
                a.setPrefixRewrite(http.rewrite().uri());
            } else if (http.rewrite().uriRegexRewrite() != null) {
                a.setRegexRewrite(RegexMatchAndSubstitute.newBuilder()
                        .setPattern(RegexMatcher.newBuilder().setRegex(http.rewrite().uriRegexRewrite().match()))
                        .setSubstitution(http.rewrite().uriRegexRewrite().rewrite()));
            }
            if (http.rewrite().authority() != null) {
                a.setHostRewriteLiteral(http.rewrite().authority());
            }
        }
        a.setTimeout(http.timeout() == null ? Durations.ZERO : Durations.fromNanos(http.timeout().toNanos()));
        List<RouteAction.HashPolicy> hashing = firstHost != null ? hashPolicy(firstHost, firstPort, firstSubset)
                : List.of();
        io.envoyproxy.envoy.config.route.v3.RetryPolicy retry = RetryPolicyTranslator.translate(http.retries(),
                !hashing.isEmpty());
        if (retry != null) {
            a.setRetryPolicy(retry);
        }
        a.addAllHashPolicy(hashing);
        if (http.mirror() != null) {
            a.addRequestMirrorPolicies(mirror(vs, http.mirror(), http.mirrorPercentage(), host, port));
        }
        for (dev.weft.config.model.HttpMirrorPolicy m : http.mirrors()) {
            a.addRequestMirrorPolicies(mirror(vs, m.destination(), m.percentage(), host, port));
        }
        return a.build();
    }

    /** Istio's mirror translation: the destination's cluster, and the percentage (unset: 100%) per million. */
    private RouteAction.RequestMirrorPolicy mirror(VirtualService vs, Destination d,
                                                   dev.weft.config.model.Percent percentage, String host, int port) {
        String destHost = Hosts.resolve(d.host(), vs.meta().namespace());
        int destPort = destinationPort(d, destHost, host, port);
        double value = percentage != null && percentage.value() != null ? percentage.value() : 100.0;
        return RouteAction.RequestMirrorPolicy.newBuilder()
                .setCluster(ClusterNames.outbound(destPort, d.subset(), destHost))
                .setRuntimeFraction(io.envoyproxy.envoy.config.core.v3.RuntimeFractionalPercent.newBuilder()
                        .setDefaultValue(io.envoyproxy.envoy.type.v3.FractionalPercent.newBuilder()
                                .setNumerator((int) Math.round(value * 10_000))
                                .setDenominator(io.envoyproxy.envoy.type.v3.FractionalPercent.DenominatorType.MILLION)))
                .setTraceSampled(com.google.protobuf.BoolValue.of(false))
                .build();
    }

    /**
     * The port of a destination: the one written, else the vhost's port when routing to the same host, else the
     * destination service's default port, else the vhost's port.
     */
    private int destinationPort(Destination d, String destHost, String vhostHost, int vhostPort) {
        Integer explicit = d.portNumber();
        if (explicit != null && explicit > 0) {
            return explicit;
        }
        if (destHost.equals(vhostHost)) {
            return vhostPort;
        }
        MeshService target = context.service(destHost);
        if (target != null && target.defaultPort() != null) {
            return target.ports().size() == 1 ? target.ports().getFirst().number() : target.defaultPort().number();
        }
        return vhostPort;
    }

    private List<RouteAction.HashPolicy> hashPolicy(String host, int port, String subset) {
        var rule = context.destinationRule(host, proxy.namespace());
        return HashPolicies.of(EffectiveTrafficPolicy.resolve(rule, port, subset).loadBalancer());
    }

    static RouteMatch match(HttpMatchRequest m) {
        RouteMatch.Builder b = RouteMatch.newBuilder();
        StringMatch uri = m.uri();
        if (uri == null || uri.type() == StringMatch.Type.PRESENT) {
            b.setPrefix("/");
        } else {
            switch (uri.type()) {
                case EXACT -> b.setPath(uri.exact());
                case PREFIX -> b.setPrefix(uri.prefix());
                case REGEX -> b.setSafeRegex(RegexMatcher.newBuilder().setRegex(uri.regex()));
                case PRESENT -> b.setPrefix("/");
            }
        }
        if (m.ignoresUriCase()) {
            b.setCaseSensitive(BoolValue.of(false));
        }
        if (m.method() != null) {
            b.addHeaders(header(":method", m.method(), false));
        }
        if (m.authority() != null) {
            b.addHeaders(header(":authority", m.authority(), false));
        }
        if (m.scheme() != null) {
            b.addHeaders(header(":scheme", m.scheme(), false));
        }
        for (Map.Entry<String, StringMatch> h : m.headers().entrySet()) {
            b.addHeaders(header(h.getKey().toLowerCase(Locale.ROOT), h.getValue(), false));
        }
        for (Map.Entry<String, StringMatch> h : m.withoutHeaders().entrySet()) {
            b.addHeaders(header(h.getKey().toLowerCase(Locale.ROOT), h.getValue(), true));
        }
        for (Map.Entry<String, StringMatch> q : m.queryParams().entrySet()) {
            QueryParameterMatcher.Builder qb = QueryParameterMatcher.newBuilder().setName(q.getKey());
            if (q.getValue().type() == StringMatch.Type.PRESENT) {
                qb.setPresentMatch(true);
            } else {
                qb.setStringMatch(stringMatcher(q.getValue()));
            }
            b.addQueryParameters(qb);
        }
        return b.build();
    }

    private static HeaderMatcher header(String name, StringMatch sm, boolean invert) {
        HeaderMatcher.Builder h = HeaderMatcher.newBuilder().setName(name).setInvertMatch(invert);
        if (sm.type() == StringMatch.Type.PRESENT) {
            h.setPresentMatch(true);
        } else {
            h.setStringMatch(stringMatcher(sm));
        }
        return h.build();
    }

    private static StringMatcher stringMatcher(StringMatch sm) {
        return switch (sm.type()) {
            case EXACT -> StringMatcher.newBuilder().setExact(sm.exact()).build();
            case PREFIX -> StringMatcher.newBuilder().setPrefix(sm.prefix()).build();
            case REGEX -> StringMatcher.newBuilder().setSafeRegex(RegexMatcher.newBuilder().setRegex(sm.regex())).build();
            case PRESENT -> throw new IllegalArgumentException("a presence match has no string matcher");
        };
    }

    private static RedirectAction redirect(HttpRedirect r) {
        RedirectAction.Builder b = RedirectAction.newBuilder();
        if (r.uri() != null) {
            b.setPathRedirect(r.uri());
        }
        if (r.authority() != null) {
            b.setHostRedirect(r.authority());
        }
        if (r.port() != null) {
            b.setPortRedirect(r.port());
        }
        if (r.scheme() != null) {
            b.setSchemeRedirect(r.scheme());
        }
        b.setResponseCode(switch (r.redirectCodeOrDefault()) {
            case 302 -> RedirectAction.RedirectResponseCode.FOUND;
            case 303 -> RedirectAction.RedirectResponseCode.SEE_OTHER;
            case 307 -> RedirectAction.RedirectResponseCode.TEMPORARY_REDIRECT;
            case 308 -> RedirectAction.RedirectResponseCode.PERMANENT_REDIRECT;
            default -> RedirectAction.RedirectResponseCode.MOVED_PERMANENTLY;
        });
        return b.build();
    }
}
