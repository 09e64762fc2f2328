package dev.weft.dataplane.authz;

import dev.weft.dataplane.config.StringMatcher;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * One {@code envoy.filters.http.ext_authz} filter (AuthorizationPolicy CUSTOM), parsed once: where the authorizer
 * is, which requests are checked, and what of its answer is passed on.
 *
 * @param service the authorizer: an HTTP service or the {@code envoy.service.auth.v3.Authorization} gRPC service
 * @param timeout how long a check may take before it counts as an error
 * @param failureModeAllow let the request through when the check errs (Istio {@code failOpen})
 * @param statusOnError the status sent when the check errs and {@code failureModeAllow} is false
 * @param gate the shadow RBAC rules of Istio's CUSTOM translation: only requests matching one of its policies whose
 *     name starts with {@code gatePrefix} are checked; null when every request is checked
 * @param gatePrefix the policy-name prefix {@code filter_enabled_metadata} asks for
 */
public record ExtAuthzConfig(Service service, Duration timeout, boolean failureModeAllow, int statusOnError,
                             RbacFilter gate, String gatePrefix) {

    /** Whether {@code request} is to be checked (filter_enabled_metadata on the shadow rules' effective policy). */
    public boolean checks(AuthzRequest request) {
        if (gate == null) {
            return true;
        }
        RbacPolicy p = gate.firstMatch(request);
        return p != null && p.name().startsWith(gatePrefix);
    }

    public sealed interface Service {
        /** The cluster whose endpoints serve the checks. */
        String cluster();
    }

    /**
     * Envoy's {@code http_service}: the check is the original request's method, {@code pathPrefix} + path, Host,
     * Authorization, the headers {@code allowedHeaders} match, plus {@code headersToAdd}; no body.
     */
    public record HttpService(String cluster, String pathPrefix, List<StringMatcher> allowedHeaders,
                              Map<String, String> headersToAdd, List<StringMatcher> allowedUpstreamHeaders,
                              List<StringMatcher> allowedClientHeaders,
                              List<StringMatcher> allowedClientHeadersOnSuccess) implements Service {
        public HttpService {
            allowedHeaders = List.copyOf(allowedHeaders);
            headersToAdd = Map.copyOf(headersToAdd);
            allowedUpstreamHeaders = List.copyOf(allowedUpstreamHeaders);
            allowedClientHeaders = List.copyOf(allowedClientHeaders);
            allowedClientHeadersOnSuccess = List.copyOf(allowedClientHeadersOnSuccess);
        }
    }

    /** Envoy's {@code grpc_service.envoy_grpc}: {@code envoy.service.auth.v3.Authorization/Check}. */
    public record GrpcService(String cluster, String authority) implements Service {}

    /** Whether {@code name} matches one of {@code matchers} (an empty list matches nothing). */
    public static boolean anyMatches(List<StringMatcher> matchers, String name) {
        for (int i = 0; i < matchers.size(); i++) {
            if (matchers.get(i).matches(name)) {
                return true;
            }
        }
        return false;
    }
}
