package dev.weft.config.model;

import java.time.Duration;
import java.util.List;

/**
 * Istio {@code HTTPRoute}. Exactly one of {@code route} (non-empty) or {@code redirect} is set in a valid config.
 * {@code timeout} null means none. {@code retries}, {@code fault} and {@code mirror*} are applied by the calling
 * sidecar (see docs/config-reference.md).
 */
public record HttpRoute(String name, List<HttpMatchRequest> match, List<HttpRouteDestination> route,
                        HttpRedirect redirect, HttpRewrite rewrite, Duration timeout, HttpRetry retries,
                        HttpFaultInjection fault, Destination mirror, Percent mirrorPercentage,
                        List<HttpMirrorPolicy> mirrors, Headers headers) {
    public HttpRoute {
        match = Immutables.list(match);
        route = Immutables.list(route);
        mirrors = Immutables.list(mirrors);
    }
}
