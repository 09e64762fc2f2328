package dev.weft.config.validate;

import dev.weft.config.ConfigError;
import dev.weft.config.load.FieldPath;
import dev.weft.config.load.LoadedResource;
import dev.weft.config.model.ExtensionProvider;
import dev.weft.config.model.MeshConfigResource;
import dev.weft.config.model.MeshConfigSpec;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** Istio's rules for {@code MeshConfig.extensionProviders} (istio/istio's mesh validation), plus Weft's limits. */
final class MeshConfigValidator {
    private static final Pattern HOSTNAME = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
    private static final Pattern NAMESPACE = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    /** An HTTP header name (RFC 9110 token), lower or upper case. */
    private static final Pattern HEADER = Pattern.compile("[!#$%&'*+\\-.^_`|~0-9A-Za-z]+");

    private MeshConfigValidator() {}

    /** The set's one MeshConfig (null when none); a second one is an error naming the first. */
    static MeshConfigSpec meshSettings(List<LoadedResource> resources, List<ConfigError> errors) {
        MeshConfigResource first = null;
        for (LoadedResource lr : resources) {
            if (lr.resource() instanceof MeshConfigResource m) {
                if (first == null) {
                    first = m;
                } else {
                    new Reporter(m.meta(), lr.lines(), errors).error(FieldPath.of("metadata", "name"),
                            "only one MeshConfig per config set, first defined as " + first.meta().namespacedName()
                                    + " at " + first.meta().file() + (first.meta().line() > 0 ? ":" + first.meta().line() : ""));
                }
            }
        }
        return first == null ? null : first.spec();
    }

    static void validate(MeshConfigResource m, Reporter r) {
        FieldPath providers = FieldPath.of("spec", "extensionProviders");
        Map<String, Integer> names = new HashMap<>();
        List<ExtensionProvider> list = m.spec().extensionProviders();
        for (int i = 0; i < list.size(); i++) {
            ExtensionProvider p = list.get(i);
            FieldPath at = providers.index(i);
            if (p.name() == null || p.name().isBlank()) {
                r.error(at.field("name"), "name is required");
            } else {
                Integer first = names.putIfAbsent(p.name(), i);
                if (first != null) {
                    r.error(at.field("name"), "duplicate extension provider \"" + p.name() + "\" (first at "
                            + providers.index(first) + ")");
                }
            }
            int kinds = (p.envoyExtAuthzHttp() != null ? 1 : 0) + (p.envoyExtAuthzGrpc() != null ? 1 : 0);
            if (kinds != 1) {
                r.error(at, kinds == 0 ? "a provider needs one of envoyExtAuthzHttp, envoyExtAuthzGrpc"
                        : "a provider has exactly one kind; both envoyExtAuthzHttp and envoyExtAuthzGrpc are set");
                continue;
            }
            if (p.envoyExtAuthzHttp() != null) {
                http(p.envoyExtAuthzHttp(), at.field("envoyExtAuthzHttp"), r);
            } else {
                var g = p.envoyExtAuthzGrpc();
                FieldPath gp = at.field("envoyExtAuthzGrpc");
                common(g.service(), g.port(), g.timeout(), g.statusOnError(), gp, r);
                if (g.includeRequestBodyInCheck() != null) {
                    r.error(gp.field("includeRequestBodyInCheck"), "not supported by Weft yet (the check carries headers only)");
                }
            }
        }
    }

    private static void http(ExtensionProvider.EnvoyExtAuthzHttp h, FieldPath at, Reporter r) {
        common(h.service(), h.port(), h.timeout(), h.statusOnError(), at, r);
        if (h.pathPrefix() != null && !h.pathPrefix().isEmpty() && !h.pathPrefix().startsWith("/")) {
            r.error(at.field("pathPrefix"), "pathPrefix must begin with \"/\", got \"" + h.pathPrefix() + "\"");
        }
        if (h.includeRequestBodyInCheck() != null) {
            r.error(at.field("includeRequestBodyInCheck"), "not supported by Weft yet (the check carries headers only)");
        }
        if (!h.includeHeadersInCheck().isEmpty()) {
            r.error(at.field("includeHeadersInCheck"), "deprecated in Istio; use includeRequestHeadersInCheck");
        }
        patterns(h.includeRequestHeadersInCheck(), at.field("includeRequestHeadersInCheck"), r);
        patterns(h.headersToUpstreamOnAllow(), at.field("headersToUpstreamOnAllow"), r);
        patterns(h.headersToDownstreamOnDeny(), at.field("headersToDownstreamOnDeny"), r);
        patterns(h.headersToDownstreamOnAllow(), at.field("headersToDownstreamOnAllow"), r);
        for (var e : h.includeAdditionalHeadersInCheck().entrySet()) {
            if (!HEADER.matcher(e.getKey()).matches()) {
                r.error(at.field("includeAdditionalHeadersInCheck").key(e.getKey()), "not an HTTP header name: \""
                        + e.getKey() + "\"");
            }
        }
    }

    private static void common(String service, Integer port, java.time.Duration timeout, String statusOnError,
                               FieldPath at, Reporter r) {
        if (service == null || service.isBlank()) {
            r.error(at.field("service"), "service is required ([<namespace>/]<hostname> of the authorizer)");
        } else {
            int slash = service.indexOf('/');
            String host = slash < 0 ? service : service.substring(slash + 1);
            if (slash >= 0 && !NAMESPACE.matcher(service.substring(0, slash)).matches()) {
                r.error(at.field("service"), "\"" + service + "\": the part before \"/\" must be a namespace");
            } else if (!HOSTNAME.matcher(host).matches()) {
                r.error(at.field("service"), "\"" + service + "\" is not a host name (a service's fully qualified name,"
                        + " optionally prefixed by \"<namespace>/\")");
            }
        }
        if (port == null) {
            r.error(at.field("port"), "port is required");
        } else if (port < 1 || port > 65535) {
            r.error(at.field("port"), "port must be 1-65535, got " + port);
        }
        if (timeout != null && (timeout.isZero() || timeout.isNegative())) {
            r.error(at.field("timeout"), "timeout must be positive");
        }
        if (statusOnError != null && !statusOnError.isEmpty()) {
            int code;
            try {
                code = Integer.parseInt(statusOnError);
            } catch (NumberFormatException e) {
                code = -1;
            }
            if (code < 200 || code > 599) {
                r.error(at.field("statusOnError"), "statusOnError must be an HTTP status code 200-599, got \""
                        + statusOnError + "\"");
            }
        }
    }

    /** Istio header patterns: an exact name, {@code prefix*} or {@code *suffix}. */
    private static void patterns(List<String> values, FieldPath at, Reporter r) {
        for (int i = 0; i < values.size(); i++) {
            String v = values.get(i);
            String bare = v.startsWith("*") ? v.substring(1) : v.endsWith("*") ? v.substring(0, v.length() - 1) : v;
            if (bare.isEmpty() || bare.contains("*") || !HEADER.matcher(bare).matches()) {
                r.error(at.index(i), "not a header name or a \"prefix*\" / \"*suffix\" pattern: \"" + v + "\"");
            }
        }
    }
}
