package dev.weft.config.validate;

import dev.weft.config.load.FieldPath;
import dev.weft.config.model.AuthorizationPolicy;
import dev.weft.config.model.AuthorizationPolicySpec;
import dev.weft.config.model.AuthorizationPolicySpec.Action;
import dev.weft.config.model.AuthorizationPolicySpec.Condition;
import dev.weft.config.model.AuthorizationPolicySpec.Operation;
import dev.weft.config.model.AuthorizationPolicySpec.Rule;
import dev.weft.config.model.AuthorizationPolicySpec.Source;
import java.util.List;
import java.util.regex.Pattern;

/** Istio's rules for AuthorizationPolicy that binding alone does not catch (istio/api security validation). */
final class AuthorizationPolicyValidator {
    private static final Pattern IPV4_CIDR = Pattern.compile("(\\d{1,3})(\\.\\d{1,3}){3}(/\\d{1,2})?");
    private static final Pattern IPV6_CIDR = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*(/\\d{1,3})?");
    private static final Pattern HEADER_KEY = Pattern.compile("request\\.headers\\[[^\\[\\]]+]");
    /** {@code request.auth.claims[NAME]}, nested as {@code request.auth.claims[a][b]}. */
    private static final Pattern CLAIM_KEY = Pattern.compile("request\\.auth\\.claims(\\[[^\\[\\]]+])+");
    /** {@code when} keys Weft evaluates; the {@code request.auth.*} ones are filled by RequestAuthentication. */
    private static final List<String> KEYS = List.of("source.ip", "remote.ip", "source.namespace",
            "source.principal", "destination.ip", "destination.port", "connection.sni", "request.auth.principal",
            "request.auth.audiences", "request.auth.presenter");

    private AuthorizationPolicyValidator() {}

    /**
     * @param mesh the set's MeshConfig settings (null: the set has none)
     * @param checkProvider false when part of the set failed to decode, so a provider may exist unseen
     */
    static void validate(AuthorizationPolicy ap, dev.weft.config.model.MeshConfigSpec mesh, boolean checkProvider,
                         Reporter r) {
        AuthorizationPolicySpec spec = ap.spec();
        FieldPath s = FieldPath.of("spec");
        if (spec.effectiveAction() == Action.CUSTOM) {
            if (spec.provider() == null || spec.provider().name() == null || spec.provider().name().isBlank()) {
                r.error(s.field("provider"), "a CUSTOM policy needs provider.name (the external authorizer)");
            } else if (checkProvider && (mesh == null || mesh.provider(spec.provider().name()) == null)) {
                String defined = mesh == null || mesh.extensionProviders().isEmpty() ? "none is defined"
                        : "defined: " + mesh.extensionProviders().stream().map(p -> p.name())
                                .collect(java.util.stream.Collectors.joining(", "));
                r.error(s.field("provider").field("name"), "extension provider \"" + spec.provider().name()
                        + "\" is not defined in the MeshConfig's extensionProviders (" + defined + ")");
            }
        } else if (spec.provider() != null) {
            r.error(s.field("provider"), "provider is only allowed with action CUSTOM");
        }
        for (int i = 0; i < spec.rules().size(); i++) {
            rule(spec.rules().get(i), s.field("rules").index(i), r);
        }
    }

    private static void rule(Rule rule, FieldPath at, Reporter r) {
        for (int i = 0; i < rule.from().size(); i++) {
            FieldPath f = at.field("from").index(i);
            Source src = rule.from().get(i).source();
            if (src == null) {
                r.error(f.field("source"), "from needs a source");
                continue;
            }
            FieldPath sp = f.field("source");
            if (src.principals().isEmpty() && src.notPrincipals().isEmpty() && src.requestPrincipals().isEmpty()
                    && src.notRequestPrincipals().isEmpty() && src.namespaces().isEmpty()
                    && src.notNamespaces().isEmpty() && src.ipBlocks().isEmpty() && src.notIpBlocks().isEmpty()
                    && src.remoteIpBlocks().isEmpty() && src.notRemoteIpBlocks().isEmpty()) {
                r.error(sp, "source must set at least one field (an empty source would match nothing in Istio)");
            }
            strings(src.principals(), sp.field("principals"), r);
            strings(src.notPrincipals(), sp.field("notPrincipals"), r);
            strings(src.requestPrincipals(), sp.field("requestPrincipals"), r);
            strings(src.notRequestPrincipals(), sp.field("notRequestPrincipals"), r);
            strings(src.namespaces(), sp.field("namespaces"), r);
            strings(src.notNamespaces(), sp.field("notNamespaces"), r);
            cidrs(src.ipBlocks(), sp.field("ipBlocks"), r);
            cidrs(src.notIpBlocks(), sp.field("notIpBlocks"), r);
            cidrs(src.remoteIpBlocks(), sp.field("remoteIpBlocks"), r);
            cidrs(src.notRemoteIpBlocks(), sp.field("notRemoteIpBlocks"), r);
        }
        for (int i = 0; i < rule.to().size(); i++) {
            FieldPath t = at.field("to").index(i);
            Operation op = rule.to().get(i).operation();
            if (op == null) {
                r.error(t.field("operation"), "to needs an operation");
                continue;
            }
            FieldPath o = t.field("operation");
            if (op.hosts().isEmpty() && op.notHosts().isEmpty() && op.ports().isEmpty() && op.notPorts().isEmpty()
                    && op.methods().isEmpty() && op.notMethods().isEmpty() && op.paths().isEmpty()
                    && op.notPaths().isEmpty()) {
                r.error(o, "operation must set at least one field");
            }
            strings(op.hosts(), o.field("hosts"), r);
            strings(op.notHosts(), o.field("notHosts"), r);
            strings(op.methods(), o.field("methods"), r);
            strings(op.notMethods(), o.field("notMethods"), r);
            ports(op.ports(), o.field("ports"), r);
            ports(op.notPorts(), o.field("notPorts"), r);
            paths(op.paths(), o.field("paths"), r);
            paths(op.notPaths(), o.field("notPaths"), r);
        }
        for (int i = 0; i < rule.when().size(); i++) {
            condition(rule.when().get(i), at.field("when").index(i), r);
        }
    }

    private static void condition(Condition c, FieldPath at, Reporter r) {
        if (c.key() == null || c.key().isBlank()) {
            r.error(at.field("key"), "key is required");
        } else if (!KEYS.contains(c.key()) && !HEADER_KEY.matcher(c.key()).matches()
                && !CLAIM_KEY.matcher(c.key()).matches()) {
            r.error(at.field("key"), "unsupported condition key \"" + c.key() + "\"; Weft supports "
                    + "request.headers[NAME], request.auth.claims[NAME], " + String.join(", ", KEYS));
        }
        if (c.values().isEmpty() && c.notValues().isEmpty()) {
            r.error(at, "a condition needs values or notValues");
        }
        if (("source.ip".equals(c.key()) || "remote.ip".equals(c.key()) || "destination.ip".equals(c.key()))) {
            cidrs(c.values(), at.field("values"), r);
            cidrs(c.notValues(), at.field("notValues"), r);
        }
        if ("destination.port".equals(c.key())) {
            ports(c.values(), at.field("values"), r);
            ports(c.notValues(), at.field("notValues"), r);
        }
    }

    private static void strings(List<String> values, FieldPath at, Reporter r) {
        for (int i = 0; i < values.size(); i++) {
            if (values.get(i).isEmpty()) {
                r.error(at.index(i), "empty value");
            }
        }
    }

    private static void ports(List<String> values, FieldPath at, Reporter r) {
        for (int i = 0; i < values.size(); i++) {
            String v = values.get(i);
            int p;
            try {
                p = Integer.parseInt(v);
            } catch (NumberFormatException e) {
                p = -1;
            }
            if (p < 1 || p > 65535) {
                r.error(at.index(i), "port must be a number 1-65535, got \"" + v + "\"");
            }
        }
    }

    private static void cidrs(List<String> values, FieldPath at, Reporter r) {
        for (int i = 0; i < values.size(); i++) {
            String v = values.get(i);
            boolean ok;
            if (IPV4_CIDR.matcher(v).matches()) {
                String[] parts = v.split("[./]");
                ok = true;
                for (int k = 0; k < 4; k++) {
                    ok &= Integer.parseInt(parts[k]) <= 255;
                }
                ok &= parts.length == 4 || Integer.parseInt(parts[4]) <= 32;
            } else {
                ok = IPV6_CIDR.matcher(v).matches()
                        && (!v.contains("/") || Integer.parseInt(v.substring(v.indexOf('/') + 1)) <= 128);
            }
            if (!ok) {
                r.error(at.index(i), "not an IP address or CIDR block: \"" + v + "\"");
            }
        }
    }

    /** Istio allows "*" alone, or one "*" as a prefix or a suffix; a path must otherwise start with "/". */
    private static void paths(List<String> values, FieldPath at, Reporter r) {
        for (int i = 0; i < values.size(); i++) {
            String v = values.get(i);
            if (v.isEmpty()) {
                r.error(at.index(i), "empty path");
            } else if (!v.equals("*") && v.indexOf('*', 1) >= 0 && v.indexOf('*') != v.length() - 1) {
                r.error(at.index(i), "\"*\" is only allowed alone, as a prefix or as a suffix of a path: \"" + v + "\"");
            } else if (v.chars().filter(ch -> ch == '*').count() > 1 && !v.equals("*")) {
                r.error(at.index(i), "at most one \"*\" in a path: \"" + v + "\"");
            } else if (v.contains("{")) {
                r.error(at.index(i), "path templates ({*}, {**}) are not supported by Weft: \"" + v + "\"");
            }
        }
    }
}
