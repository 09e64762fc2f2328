package dev.weft.config.model;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Istio {@code MeshConfig.ExtensionProvider}: a name and exactly one kind. Weft supports the external
 * authorizers ({@code envoyExtAuthzHttp}, {@code envoyExtAuthzGrpc}); other kinds are unknown fields.
 */
public record ExtensionProvider(String name, EnvoyExtAuthzHttp envoyExtAuthzHttp, EnvoyExtAuthzGrpc envoyExtAuthzGrpc) {
    /** Istio's default for both authorizer kinds: wait up to 600 s for the check. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(600);
    /** Istio's default {@code statusOnError}. */
    public static final int DEFAULT_STATUS_ON_ERROR = 403;

    /**
     * Istio {@code EnvoyExternalAuthorizationHttpProvider}.
     *
     * @param service {@code [<namespace>/]<hostname>} of the authorizer
     * @param includeHeadersInCheck Istio's deprecated spelling of {@code includeRequestHeadersInCheck} (refused)
     * @param includeRequestBodyInCheck refused by validation: Weft does not buffer the body for the check yet
     */
    public record EnvoyExtAuthzHttp(String service, Integer port, Duration timeout, String pathPrefix, Boolean failOpen,
                                    String statusOnError, List<String> includeRequestHeadersInCheck,
                                    Map<String, String> includeAdditionalHeadersInCheck,
                                    Map<String, Object> includeRequestBodyInCheck,
                                    List<String> headersToUpstreamOnAllow, List<String> headersToDownstreamOnDeny,
                                    List<String> headersToDownstreamOnAllow, List<String> includeHeadersInCheck) {
        public EnvoyExtAuthzHttp {
            includeRequestHeadersInCheck = l(includeRequestHeadersInCheck);
            includeAdditionalHeadersInCheck = includeAdditionalHeadersInCheck == null ? Map.of()
                    : Immutables.map(includeAdditionalHeadersInCheck);
            headersToUpstreamOnAllow = l(headersToUpstreamOnAllow);
            headersToDownstreamOnDeny = l(headersToDownstreamOnDeny);
            headersToDownstreamOnAllow = l(headersToDownstreamOnAllow);
            includeHeadersInCheck = l(includeHeadersInCheck);
        }
    }

    /**
     * Istio {@code EnvoyExternalAuthorizationGrpcProvider}.
     *
     * @param includeRequestBodyInCheck refused by validation: Weft does not buffer the body for the check yet
     */
    public record EnvoyExtAuthzGrpc(String service, Integer port, Duration timeout, Boolean failOpen,
                                    String statusOnError, Map<String, Object> includeRequestBodyInCheck) {}

    public Duration effectiveTimeout() {
        Duration t = envoyExtAuthzHttp != null ? envoyExtAuthzHttp.timeout()
                : envoyExtAuthzGrpc != null ? envoyExtAuthzGrpc.timeout() : null;
        return t == null ? DEFAULT_TIMEOUT : t;
    }

    public boolean effectiveFailOpen() {
        Boolean f = envoyExtAuthzHttp != null ? envoyExtAuthzHttp.failOpen()
                : envoyExtAuthzGrpc != null ? envoyExtAuthzGrpc.failOpen() : null;
        return f != null && f;
    }

    /** The status sent when the authorizer cannot be reached; validation guarantees a number 100-599. */
    public int effectiveStatusOnError() {
        String s = envoyExtAuthzHttp != null ? envoyExtAuthzHttp.statusOnError()
                : envoyExtAuthzGrpc != null ? envoyExtAuthzGrpc.statusOnError() : null;
        return s == null || s.isEmpty() ? DEFAULT_STATUS_ON_ERROR : Integer.parseInt(s);
    }

    public String service() {
        return envoyExtAuthzHttp != null ? envoyExtAuthzHttp.service()
                : envoyExtAuthzGrpc != null ? envoyExtAuthzGrpc.service() : null;
    }

    public Integer port() {
        return envoyExtAuthzHttp != null ? envoyExtAuthzHttp.port()
                : envoyExtAuthzGrpc != null ? envoyExtAuthzGrpc.port() : null;
    }

    private static List<String> l(List<String> in) {
        return in == null ? List.of() : Immutables.list(in);
    }
}
