package dev.weft.dataplane.xds;

import com.google.protobuf.Any;
import dev.weft.dataplane.authz.ExtAuthzConfig;
import dev.weft.dataplane.config.StringMatcher;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.extensions.filters.http.ext_authz.v3.ExtAuthz;
import io.envoyproxy.envoy.type.matcher.v3.ListStringMatcher;
import io.envoyproxy.envoy.type.matcher.v3.MetadataMatcher;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code envoy.filters.http.ext_authz} ({@code extensions.filters.http.ext_authz.v3.ExtAuthz}) →
 * {@link ExtAuthzConfig}: the fields Istio's CUSTOM translation sets, parsed; any other field NACKed naming it.
 */
public final class ExtAuthzParser {
    public static final String FILTER_NAME = "envoy.filters.http.ext_authz";
    static final String TYPE = TypedAny.url("envoy.extensions.filters.http.ext_authz.v3.ExtAuthz");
    /** Envoy's default check timeout when the config gives none. */
    static final Duration DEFAULT_TIMEOUT = Duration.ofMillis(200);
    private static final String SHADOW_KEY_SUFFIX = "shadow_effective_policy_id";

    private ExtAuthzParser() {}

    /** @param shadow the shadow-only RBAC filter just before this one, or null */
    static ExtAuthzConfig parse(Any any, RbacFilterParser.Shadow shadow, Rejector reject, String path)
            throws ResourceRejectedException {
        ExtAuthz config = TypedAny.unpack(any, TYPE, ExtAuthz.parser(), reject, path);
        var rest = config.toBuilder().clearHttpService().clearGrpcService().clearFailureModeAllow().clearStatusOnError()
                .clearFilterEnabledMetadata().clearStatPrefix()
                .clearClearRouteCache(); // Weft routes after its filters: the route is chosen with the new headers
        if (config.getTransportApiVersion() == ApiVersion.V3) {
            rest.clearTransportApiVersion();
        }
        if (TypedAny.firstSetField(rest.build()) instanceof String unsupported) {
            throw reject.at(path + "." + unsupported, "not supported by Weft's ext_authz");
        }
        if (config.getTransportApiVersion() != ApiVersion.V3) {
            throw reject.at(path + ".transport_api_version", "only V3 is supported");
        }
        int status = config.hasStatusOnError() ? config.getStatusOnError().getCodeValue() : 403;
        if (status < 200 || status > 599) {
            throw reject.at(path + ".status_on_error.code", "not an HTTP error status: " + status);
        }
        ExtAuthzConfig.Service service;
        Duration timeout;
        if (config.hasHttpService()) {
            var hs = config.getHttpService();
            String hp = path + ".http_service";
            var hrest = hs.toBuilder().clearServerUri().clearPathPrefix().clearAuthorizationRequest()
                    .clearAuthorizationResponse();
            if (TypedAny.firstSetField(hrest.build()) instanceof String unsupported) {
                throw reject.at(hp + "." + unsupported, "not supported by Weft's ext_authz");
            }
            if (!hs.hasServerUri() || hs.getServerUri().getCluster().isEmpty()) {
                throw reject.at(hp + ".server_uri.cluster", "the authorizer's cluster is required");
            }
            if (!hs.getPathPrefix().isEmpty() && !hs.getPathPrefix().startsWith("/")) {
                throw reject.at(hp + ".path_prefix", "must start with /");
            }
            timeout = hs.getServerUri().hasTimeout() ? duration(hs.getServerUri().getTimeout()) : DEFAULT_TIMEOUT;
            var req = hs.getAuthorizationRequest();
            var reqRest = req.toBuilder().clearAllowedHeaders().clearHeadersToAdd();
            if (TypedAny.firstSetField(reqRest.build()) instanceof String unsupported) {
                throw reject.at(hp + ".authorization_request." + unsupported, "not supported by Weft's ext_authz");
            }
            Map<String, String> add = new LinkedHashMap<>();
            for (int i = 0; i < req.getHeadersToAddCount(); i++) {
                var h = req.getHeadersToAdd(i);
                if (h.getKey().isEmpty() || !h.getRawValue().isEmpty()) {
                    throw reject.at(hp + ".authorization_request.headers_to_add[" + i + "]",
                            "needs a key and a (string) value");
                }
                add.put(h.getKey(), h.getValue());
            }
            var resp = hs.getAuthorizationResponse();
            String rp = hp + ".authorization_response";
            var respRest = resp.toBuilder().clearAllowedUpstreamHeaders().clearAllowedClientHeaders()
                    .clearAllowedClientHeadersOnSuccess();
            if (TypedAny.firstSetField(respRest.build()) instanceof String unsupported) {
                throw reject.at(rp + "." + unsupported, "not supported by Weft's ext_authz");
            }
            service = new ExtAuthzConfig.HttpService(hs.getServerUri().getCluster(), hs.getPathPrefix(),
                    matchers(req.getAllowedHeaders(), reject, hp + ".authorization_request.allowed_headers"), add,
                    matchers(resp.getAllowedUpstreamHeaders(), reject, rp + ".allowed_upstream_headers"),
                    matchers(resp.getAllowedClientHeaders(), reject, rp + ".allowed_client_headers"),
                    matchers(resp.getAllowedClientHeadersOnSuccess(), reject, rp + ".allowed_client_headers_on_success"));
        } else if (config.hasGrpcService()) {
            var gs = config.getGrpcService();
            String gp = path + ".grpc_service";
            if (!gs.hasEnvoyGrpc()) {
                throw reject.at(gp + ".google_grpc", "only envoy_grpc (a cluster) is supported");
            }
            var grest = gs.toBuilder().clearEnvoyGrpc().clearTimeout();
            if (TypedAny.firstSetField(grest.build()) instanceof String unsupported) {
                throw reject.at(gp + "." + unsupported, "not supported by Weft's ext_authz");
            }
            var eg = gs.getEnvoyGrpc();
            var egRest = eg.toBuilder().clearClusterName().clearAuthority();
            if (TypedAny.firstSetField(egRest.build()) instanceof String unsupported) {
                throw reject.at(gp + ".envoy_grpc." + unsupported, "not supported by Weft's ext_authz");
            }
            if (eg.getClusterName().isEmpty()) {
                throw reject.at(gp + ".envoy_grpc.cluster_name", "the authorizer's cluster is required");
            }
            timeout = gs.hasTimeout() ? duration(gs.getTimeout()) : DEFAULT_TIMEOUT;
            service = new ExtAuthzConfig.GrpcService(eg.getClusterName(),
                    eg.getAuthority().isEmpty() ? eg.getClusterName() : eg.getAuthority());
        } else {
            throw reject.at(path, "needs http_service or grpc_service");
        }
        if (timeout.isZero() || timeout.isNegative()) {
            throw reject.at(path + (config.hasHttpService() ? ".http_service.server_uri.timeout" : ".grpc_service.timeout"),
                    "must be positive");
        }
        String gatePrefix = null;
        dev.weft.dataplane.authz.RbacFilter gate = null;
        if (config.hasFilterEnabledMetadata()) {
            MetadataMatcher m = config.getFilterEnabledMetadata();
            String mp = path + ".filter_enabled_metadata";
            if (!m.getFilter().equals(RbacFilterParser.FILTER_NAME) || m.getPathCount() != 1) {
                throw reject.at(mp, "only the shadow rules of the envoy.filters.http.rbac filter before it are supported"
                        + " (filter envoy.filters.http.rbac, one path key)");
            }
            if (shadow == null) {
                throw reject.at(mp, "no envoy.filters.http.rbac filter with shadow_rules comes right before it");
            }
            String key = m.getPath(0).getKey();
            if (!key.equals(shadow.statPrefix() + SHADOW_KEY_SUFFIX)) {
                throw reject.at(mp + ".path[0].key", "the shadow filter before it sets " + shadow.statPrefix()
                        + SHADOW_KEY_SUFFIX + ", not " + key);
            }
            var v = m.getValue();
            if (!v.hasStringMatch() || !v.getStringMatch().hasPrefix() || v.getStringMatch().getIgnoreCase() || m.getInvert()) {
                throw reject.at(mp + ".value", "only string_match.prefix is supported");
            }
            gatePrefix = v.getStringMatch().getPrefix();
            gate = shadow.rules();
        }
        return new ExtAuthzConfig(service, timeout, config.getFailureModeAllow(), status, gate, gatePrefix);
    }

    private static List<StringMatcher> matchers(ListStringMatcher list, Rejector reject, String path)
            throws ResourceRejectedException {
        List<StringMatcher> out = new ArrayList<>();
        for (int i = 0; i < list.getPatternsCount(); i++) {
            out.add(RouteConfigurationParser.stringMatcher(list.getPatterns(i), reject, path + ".patterns[" + i + "]"));
        }
        return out;
    }

    private static Duration duration(com.google.protobuf.Duration d) {
        return Duration.ofSeconds(d.getSeconds(), d.getNanos());
    }
}
