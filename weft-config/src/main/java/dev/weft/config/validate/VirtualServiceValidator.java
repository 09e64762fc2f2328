package dev.weft.config.validate;

import dev.weft.config.load.FieldPath;
import dev.weft.config.model.Destination;
import dev.weft.config.model.HeaderOperations;
import dev.weft.config.model.Headers;
import dev.weft.config.model.HttpFaultInjection;
import dev.weft.config.model.HttpMatchRequest;
import dev.weft.config.model.HttpRedirect;
import dev.weft.config.model.HttpRetry;
import dev.weft.config.model.HttpRewrite;
import dev.weft.config.model.HttpRoute;
import dev.weft.config.model.HttpRouteDestination;
import dev.weft.config.model.VirtualServiceSpec;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/** Checks one VirtualService on its own (references to other resources are checked by {@link ConfigValidator}). */
final class VirtualServiceValidator {
    /** Envoy's retry_on policies that Istio passes through, plus numeric status codes. */
    private static final Set<String> RETRY_ON = Set.of("5xx", "gateway-error", "reset", "reset-before-request",
            "connect-failure", "envoy-ratelimited", "retriable-4xx", "refused-stream", "retriable-status-codes",
            "retriable-headers", "http3-post-connect-failure", "cancelled", "deadline-exceeded", "internal",
            "resource-exhausted", "unavailable");
    private static final Pattern SCHEME = Pattern.compile("[A-Za-z][A-Za-z0-9+.-]*");
    private static final Pattern METHOD = Pattern.compile("[!#$%&'*+\\-.^_`|~0-9A-Za-z]+");

    private VirtualServiceValidator() {}

    static void validate(VirtualServiceSpec spec, Reporter r) {
        FieldPath s = FieldPath.of("spec");
        if (spec.hosts().isEmpty()) {
            r.error(s.field("hosts"), "at least one host is required");
        }
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < spec.hosts().size(); i++) {
            String h = spec.hosts().get(i);
            Checks.host(r, s.field("hosts").index(i), h, true);
            if (!seen.add(h.toLowerCase(java.util.Locale.ROOT))) {
                r.error(s.field("hosts").index(i), "duplicate host \"" + h + "\"");
            }
        }
        for (int i = 0; i < spec.gateways().size(); i++) {
            if (spec.gateways().get(i).isEmpty()) {
                r.error(s.field("gateways").index(i), "gateway name is empty");
            }
        }
        Checks.exportTo(r, s.field("exportTo"), spec.exportTo());
        if (spec.http().isEmpty() && spec.tcp().isEmpty()) {
            r.error(s.field("http"), "at least one http or tcp route is required (tls routes are not supported yet)");
        }
        for (int i = 0; i < spec.tcp().size(); i++) {
            tcpRoute(spec.tcp().get(i), s.field("tcp").index(i), r);
        }
        Set<String> routeNames = new HashSet<>();
        for (int i = 0; i < spec.http().size(); i++) {
            HttpRoute route = spec.http().get(i);
            FieldPath at = s.field("http").index(i);
            if (route.name() != null && !route.name().isEmpty() && !routeNames.add(route.name())) {
                r.error(at.field("name"), "duplicate route name \"" + route.name() + "\"");
            }
            httpRoute(route, at, r);
        }
    }

    /** Istio's TCPRoute: at least one destination, weights as for HTTP; match only on port (1–65535). */
    private static void tcpRoute(dev.weft.config.model.TcpRoute route, FieldPath at, Reporter r) {
        for (int j = 0; j < route.match().size(); j++) {
            Integer port = route.match().get(j).port();
            if (port != null && (port < 1 || port > 65535)) {
                r.error(at.field("match").index(j).field("port"), "port must be 1-65535, got " + port);
            }
        }
        if (route.route().isEmpty()) {
            r.error(at.field("route"), "a tcp route needs at least one destination");
            return;
        }
        destinations(route.route().stream()
                .map(d -> new HttpRouteDestination(d.destination(), d.weight(), null)).toList(), at.field("route"), r);
    }

    private static void httpRoute(HttpRoute route, FieldPath at, Reporter r) {
        for (int j = 0; j < route.match().size(); j++) {
            match(route.match().get(j), at.field("match").index(j), r);
        }
        boolean hasRoute = !route.route().isEmpty();
        if (hasRoute && route.redirect() != null) {
            r.error(at.field("redirect"), "redirect cannot be used together with route");
        } else if (!hasRoute && route.redirect() == null) {
            r.error(at.field("route"), "a route needs at least one destination in route, or a redirect");
        }
        if (route.redirect() != null && route.rewrite() != null) {
            r.error(at.field("rewrite"), "rewrite cannot be used together with redirect");
        }
        if (hasRoute) {
            destinations(route.route(), at.field("route"), r);
        }
        if (route.redirect() != null) {
            redirect(route.redirect(), at.field("redirect"), r);
        }
        if (route.rewrite() != null) {
            rewrite(route.rewrite(), at.field("rewrite"), r);
        }
        if (route.timeout() != null && !route.timeout().isZero()) {
            Checks.atLeastMillisecond(r, at.field("timeout"), route.timeout());
        }
        if (route.retries() != null) {
            retries(route.retries(), at.field("retries"), r);
        }
        if (route.fault() != null) {
            fault(route.fault(), at.field("fault"), r);
        }
        if (route.mirror() != null) {
            destination(route.mirror(), at.field("mirror"), r);
        }
        Checks.percent(r, at.field("mirrorPercentage"), route.mirrorPercentage());
        if (route.mirror() != null && !route.mirrors().isEmpty()) {
            r.error(at.field("mirrors"), "mirror and mirrors cannot both be set");
        }
        for (int k = 0; k < route.mirrors().size(); k++) {
            var m = route.mirrors().get(k);
            FieldPath mp = at.field("mirrors").index(k);
            if (m.destination() == null) {
                r.error(mp.field("destination"), "destination is required");
            } else {
                destination(m.destination(), mp.field("destination"), r);
            }
            Checks.percent(r, mp.field("percentage"), m.percentage());
        }
        headers(route.headers(), at.field("headers"), r);
    }

    private static void match(HttpMatchRequest m, FieldPath at, Reporter r) {
        if (m.uri() != null) {
            Checks.stringMatch(r, at.field("uri"), m.uri(), false);
        }
        if (m.scheme() != null) {
            Checks.stringMatch(r, at.field("scheme"), m.scheme(), false);
        }
        if (m.method() != null) {
            Checks.stringMatch(r, at.field("method"), m.method(), false);
            if (m.method().exact() != null && !METHOD.matcher(m.method().exact()).matches()) {
                r.error(at.field("method").field("exact"), "\"" + m.method().exact() + "\" is not a valid HTTP method");
            }
        }
        if (m.authority() != null) {
            Checks.stringMatch(r, at.field("authority"), m.authority(), false);
        }
        Checks.headerMatches(r, at.field("headers"), m.headers(), true);
        Checks.headerMatches(r, at.field("withoutHeaders"), m.withoutHeaders(), true);
        Checks.headerMatches(r, at.field("queryParams"), m.queryParams(), false);
        Checks.labels(r, at.field("sourceLabels"), m.sourceLabels());
        Checks.port(r, at.field("port"), m.port());
        if (m.sourceNamespace() != null && !m.sourceNamespace().isEmpty()) {
            Checks.dnsLabel(r, at.field("sourceNamespace"), "sourceNamespace", m.sourceNamespace());
        }
    }

    private static void destinations(List<HttpRouteDestination> dests, FieldPath at, Reporter r) {
        int sum = 0;
        boolean anyNegative = false;
        for (int k = 0; k < dests.size(); k++) {
            HttpRouteDestination d = dests.get(k);
            FieldPath dp = at.index(k);
            if (d.destination() == null) {
                r.error(dp.field("destination"), "destination is required");
            } else {
                destination(d.destination(), dp.field("destination"), r);
            }
            if (d.weight() != null && d.weight() < 0) {
                r.error(dp.field("weight"), "weight must not be negative, got " + d.weight());
                anyNegative = true;
            }
            sum += d.weight() == null ? 0 : d.weight();
            headers(d.headers(), dp.field("headers"), r);
        }
        // A single destination takes all traffic whatever its weight, as in Istio.
        if (dests.size() > 1 && !anyNegative && sum != 100) {
            FieldPath last = at.index(dests.size() - 1);
            r.error(dests.getLast().weight() != null ? last.field("weight") : last,
                    "weights add up to " + sum + ", must be 100");
        }
    }

    static void destination(Destination d, FieldPath at, Reporter r) {
        Checks.host(r, at.field("host"), d.host(), false);
        if (d.subset() != null) {
            Checks.dnsLabel(r, at.field("subset"), "subset name", d.subset());
        }
        if (d.port() != null) {
            Checks.requiredPort(r, at.field("port").field("number"), d.port().number());
        }
    }

    private static void redirect(HttpRedirect red, FieldPath at, Reporter r) {
        if (isEmpty(red.uri()) && isEmpty(red.authority()) && red.port() == null && red.derivePort() == null
                && isEmpty(red.scheme())) {
            r.error(at, "redirect must set at least one of uri, authority, port, derivePort, scheme");
        }
        if (red.uri() != null && !red.uri().isEmpty() && !red.uri().startsWith("/")) {
            r.error(at.field("uri"), "redirect uri \"" + red.uri() + "\" must start with '/'");
        }
        if (red.authority() != null && red.authority().isEmpty()) {
            r.error(at.field("authority"), "authority is empty");
        }
        Checks.port(r, at.field("port"), red.port());
        if (red.port() != null && red.derivePort() != null) {
            r.error(at.field("derivePort"), "port and derivePort cannot both be set");
        }
        if (red.scheme() != null && !SCHEME.matcher(red.scheme()).matches()) {
            r.error(at.field("scheme"), "\"" + red.scheme() + "\" is not a valid URI scheme");
        }
        if (red.redirectCode() != null && (red.redirectCode() < 300 || red.redirectCode() > 399)) {
            r.error(at.field("redirectCode"), "redirect code must be a 3xx status, got " + red.redirectCode());
        }
    }

    private static void rewrite(HttpRewrite rw, FieldPath at, Reporter r) {
        if (rw.uri() == null && rw.authority() == null && rw.uriRegexRewrite() == null) {
            r.error(at, "rewrite must set uri, authority or uriRegexRewrite");
        }
        if (rw.uri() != null && rw.uriRegexRewrite() != null) {
            r.error(at.field("uriRegexRewrite"), "uri and uriRegexRewrite cannot both be set");
        }
        if (rw.authority() != null && rw.authority().isEmpty()) {
            r.error(at.field("authority"), "authority is empty");
        }
        if (rw.uriRegexRewrite() != null) {
            FieldPath p = at.field("uriRegexRewrite");
            if (rw.uriRegexRewrite().match() == null) {
                r.error(p.field("match"), "match is required");
            } else {
                Checks.regex(r, p.field("match"), rw.uriRegexRewrite().match());
            }
            if (rw.uriRegexRewrite().rewrite() == null) {
                r.error(p.field("rewrite"), "rewrite is required");
            }
        }
    }

    private static void retries(HttpRetry retry, FieldPath at, Reporter r) {
        Checks.nonNegative(r, at.field("attempts"), retry.attempts());
        Checks.atLeastMillisecond(r, at.field("perTryTimeout"), retry.perTryTimeout());
        if (retry.retryOn() != null && !retry.retryOn().isBlank()) {
            for (String policy : retry.retryOn().split(",")) {
                String p = policy.strip();
                if (p.matches("\\d{3}")) {
                    int code = Integer.parseInt(p);
                    if (code < 100 || code > 599) {
                        r.error(at.field("retryOn"), "status code " + code + " is not an HTTP status");
                    }
                } else if (!RETRY_ON.contains(p)) {
                    r.error(at.field("retryOn"), "unknown retry policy \"" + p + "\", must be an HTTP status or one of: "
                            + String.join(", ", RETRY_ON.stream().sorted().toList()));
                }
            }
        }
    }

    private static final java.util.regex.Pattern GRPC_STATUS = java.util.regex.Pattern.compile(
            "OK|CANCELLED|UNKNOWN|INVALID_ARGUMENT|DEADLINE_EXCEEDED|NOT_FOUND|ALREADY_EXISTS|PERMISSION_DENIED"
                    + "|RESOURCE_EXHAUSTED|FAILED_PRECONDITION|ABORTED|OUT_OF_RANGE|UNIMPLEMENTED|INTERNAL"
                    + "|UNAVAILABLE|DATA_LOSS|UNAUTHENTICATED|1[0-6]|[0-9]");

    private static void fault(HttpFaultInjection fault, FieldPath at, Reporter r) {
        if (fault.delay() == null && fault.abort() == null) {
            r.error(at, "fault must set delay or abort");
        }
        if (fault.delay() != null) {
            FieldPath p = at.field("delay");
            if (fault.delay().fixedDelay() == null) {
                r.error(p.field("fixedDelay"), "fixedDelay is required");
            } else {
                Checks.atLeastMillisecond(r, p.field("fixedDelay"), fault.delay().fixedDelay());
            }
            Checks.percent(r, p.field("percentage"), fault.delay().percentage());
            Checks.percentRange(r, p.field("percent"), fault.delay().percent());
        }
        if (fault.abort() != null) {
            FieldPath p = at.field("abort");
            var a = fault.abort();
            int set = (a.httpStatus() != null ? 1 : 0) + (a.grpcStatus() != null ? 1 : 0) + (a.http2Error() != null ? 1 : 0);
            if (set != 1) {
                r.error(p, "abort must set exactly one of httpStatus, grpcStatus, http2Error");
            }
            if (a.httpStatus() != null && (a.httpStatus() < 200 || a.httpStatus() > 599)) {
                r.error(p.field("httpStatus"), "httpStatus must be between 200 and 599, got " + a.httpStatus());
            }
            if (a.grpcStatus() != null && !GRPC_STATUS.matcher(a.grpcStatus()).matches()) {
                r.error(p.field("grpcStatus"), "grpcStatus must be a gRPC status name such as UNAVAILABLE, got "
                        + a.grpcStatus());
            }
            if (a.http2Error() != null) {
                // Istio never implemented it either; a proxy could not honour it, so say so before it is pushed
                r.error(p.field("http2Error"), "http2Error is not supported, use httpStatus or grpcStatus");
            }
            Checks.percent(r, p.field("percentage"), a.percentage());
        }
    }

    private static void headers(Headers h, FieldPath at, Reporter r) {
        if (h == null) {
            return;
        }
        headerOps(h.request(), at.field("request"), r);
        headerOps(h.response(), at.field("response"), r);
    }

    private static void headerOps(HeaderOperations ops, FieldPath at, Reporter r) {
        if (ops == null) {
            return;
        }
        for (String name : ops.set().keySet()) {
            Checks.headerName(r, at.field("set").key(name), name);
        }
        for (String name : ops.add().keySet()) {
            Checks.headerName(r, at.field("add").key(name), name);
        }
        for (int i = 0; i < ops.remove().size(); i++) {
            Checks.headerName(r, at.field("remove").index(i), ops.remove().get(i));
        }
    }

    private static boolean isEmpty(String s) {
        return s == null || s.isEmpty();
    }
}
