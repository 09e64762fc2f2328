package dev.weft.dataplane.config;

import dev.weft.dataplane.authz.RbacFilter;
import java.util.List;

/**
 * The HTTP connection manager of a listener.
 *
 * @param routeConfigName RDS route configuration name, or null when {@code inlineRoutes} is set
 * @param inlineRoutes route table carried in the listener itself, or null
 * @param httpFilters names of the HTTP filters in order (the fault filter, the router)
 * @param generateRequestId whether to generate x-request-id when absent (Envoy's default: true)
 * @param useRemoteAddress whether the peer address is the client address for X-Forwarded-For (Envoy: false)
 * @param xffNumTrustedHops how many X-Forwarded-For hops to trust when finding the client address
 * @param rbacFilters the {@code envoy.filters.http.rbac} filters in chain order (AuthorizationPolicy)
 * @param localRateLimit the {@code envoy.filters.http.local_ratelimit} filter's own config, null without the filter
 * @param telemetry access log and tracing settings from the control plane (Telemetry API)
 * @param jwtAuthn the {@code envoy.filters.http.jwt_authn} filter (RequestAuthentication), null when none
 * @param extAuthz the {@code envoy.filters.http.ext_authz} filter (AuthorizationPolicy CUSTOM), null when none
 * @param upgradeTypes lower-case {@code Upgrade} tokens (from {@code upgrade_configs}) passed through as a raw byte
 *     relay once the upstream answers 101; a request asking for another upgrade is refused (403, as Envoy)
 * @param pathNormalization how the request path is rewritten before routing and the filters see it
 */
public record HttpConnectionManagerConfig(
        String statPrefix, String routeConfigName, RouteTable inlineRoutes, List<String> httpFilters,
        boolean generateRequestId, boolean useRemoteAddress, int xffNumTrustedHops,
        List<RbacFilter> rbacFilters, dev.weft.dataplane.ratelimit.LocalRateLimitConfig localRateLimit,
        ListenerTelemetry telemetry,
        dev.weft.dataplane.authn.JwtAuthnConfig jwtAuthn, java.util.Set<String> upgradeTypes,
        dev.weft.dataplane.authz.ExtAuthzConfig extAuthz, PathNormalization pathNormalization) {
    public HttpConnectionManagerConfig {
        pathNormalization = pathNormalization == null ? PathNormalization.NONE : pathNormalization;
        httpFilters = List.copyOf(httpFilters);
        rbacFilters = rbacFilters == null ? List.of() : List.copyOf(rbacFilters);
        telemetry = telemetry == null ? ListenerTelemetry.DEFAULTS : telemetry;
        upgradeTypes = upgradeTypes == null ? java.util.Set.of() : java.util.Set.copyOf(upgradeTypes);
    }

    /** Without path normalization (Envoy's default). */
    public HttpConnectionManagerConfig(String statPrefix, String routeConfigName, RouteTable inlineRoutes,
                                       List<String> httpFilters, boolean generateRequestId, boolean useRemoteAddress,
                                       int xffNumTrustedHops, List<RbacFilter> rbacFilters,
                                       dev.weft.dataplane.ratelimit.LocalRateLimitConfig localRateLimit,
                                       ListenerTelemetry telemetry, dev.weft.dataplane.authn.JwtAuthnConfig jwtAuthn,
                                       java.util.Set<String> upgradeTypes, dev.weft.dataplane.authz.ExtAuthzConfig extAuthz) {
        this(statPrefix, routeConfigName, inlineRoutes, httpFilters, generateRequestId, useRemoteAddress,
                xffNumTrustedHops, rbacFilters, localRateLimit, telemetry, jwtAuthn, upgradeTypes, extAuthz, null);
    }

    /** Without an ext_authz filter (no AuthorizationPolicy CUSTOM). */
    public HttpConnectionManagerConfig(String statPrefix, String routeConfigName, RouteTable inlineRoutes,
                                       List<String> httpFilters, boolean generateRequestId, boolean useRemoteAddress,
                                       int xffNumTrustedHops, List<RbacFilter> rbacFilters,
                                       dev.weft.dataplane.ratelimit.LocalRateLimitConfig localRateLimit,
                                       ListenerTelemetry telemetry, dev.weft.dataplane.authn.JwtAuthnConfig jwtAuthn,
                                       java.util.Set<String> upgradeTypes) {
        this(statPrefix, routeConfigName, inlineRoutes, httpFilters, generateRequestId, useRemoteAddress,
                xffNumTrustedHops, rbacFilters, localRateLimit, telemetry, jwtAuthn, upgradeTypes, null);
    }

    /** Without upgrades. */
    public HttpConnectionManagerConfig(String statPrefix, String routeConfigName, RouteTable inlineRoutes,
                                       List<String> httpFilters, boolean generateRequestId, boolean useRemoteAddress,
                                       int xffNumTrustedHops, List<RbacFilter> rbacFilters,
                                       dev.weft.dataplane.ratelimit.LocalRateLimitConfig localRateLimit,
                                       ListenerTelemetry telemetry, dev.weft.dataplane.authn.JwtAuthnConfig jwtAuthn) {
        this(statPrefix, routeConfigName, inlineRoutes, httpFilters, generateRequestId, useRemoteAddress,
                xffNumTrustedHops, rbacFilters, localRateLimit, telemetry, jwtAuthn, java.util.Set.of());
    }

    /** Whether an {@code Upgrade: token} request may pass (token compared case-insensitively, as Envoy). */
    public boolean allowsUpgrade(String token) {
        return !upgradeTypes.isEmpty() && upgradeTypes.contains(token.toLowerCase(java.util.Locale.ROOT));
    }

    /** With the proxy's default telemetry (no Telemetry resource applies). */
    public HttpConnectionManagerConfig(String statPrefix, String routeConfigName, RouteTable inlineRoutes,
                                       List<String> httpFilters, boolean generateRequestId, boolean useRemoteAddress,
                                       int xffNumTrustedHops, List<RbacFilter> rbacFilters,
                                       dev.weft.dataplane.ratelimit.LocalRateLimitConfig localRateLimit) {
        this(statPrefix, routeConfigName, inlineRoutes, httpFilters, generateRequestId, useRemoteAddress,
                xffNumTrustedHops, rbacFilters, localRateLimit, ListenerTelemetry.DEFAULTS);
    }

    /** Without a jwt_authn filter (no RequestAuthentication). */
    public HttpConnectionManagerConfig(String statPrefix, String routeConfigName, RouteTable inlineRoutes,
                                       List<String> httpFilters, boolean generateRequestId, boolean useRemoteAddress,
                                       int xffNumTrustedHops, List<RbacFilter> rbacFilters,
                                       dev.weft.dataplane.ratelimit.LocalRateLimitConfig localRateLimit,
                                       ListenerTelemetry telemetry) {
        this(statPrefix, routeConfigName, inlineRoutes, httpFilters, generateRequestId, useRemoteAddress,
                xffNumTrustedHops, rbacFilters, localRateLimit, telemetry, null);
    }

    /** Without a local rate limit filter. */
    public HttpConnectionManagerConfig(String statPrefix, String routeConfigName, RouteTable inlineRoutes,
                                       List<String> httpFilters, boolean generateRequestId, boolean useRemoteAddress,
                                       int xffNumTrustedHops, List<RbacFilter> rbacFilters) {
        this(statPrefix, routeConfigName, inlineRoutes, httpFilters, generateRequestId, useRemoteAddress,
                xffNumTrustedHops, rbacFilters, null);
    }

    /** Without RBAC filters (no AuthorizationPolicy). */
    public HttpConnectionManagerConfig(String statPrefix, String routeConfigName, RouteTable inlineRoutes,
                                       List<String> httpFilters, boolean generateRequestId, boolean useRemoteAddress,
                                       int xffNumTrustedHops) {
        this(statPrefix, routeConfigName, inlineRoutes, httpFilters, generateRequestId, useRemoteAddress,
                xffNumTrustedHops, List.of());
    }

    /** Whether the HTTP filter {@code name} runs on this connection manager (a few names: a scan is cheapest). */
    public boolean hasFilter(String name) {
        return httpFilters.contains(name);
    }

    /** Without X-Forwarded-For settings: Envoy's defaults (not the remote address, no trusted hops). */
    public HttpConnectionManagerConfig(String statPrefix, String routeConfigName, RouteTable inlineRoutes,
                                       List<String> httpFilters, boolean generateRequestId) {
        this(statPrefix, routeConfigName, inlineRoutes, httpFilters, generateRequestId, false, 0);
    }
}
