package dev.weft.config.validate;

import dev.weft.config.RequestAuthentications;
import dev.weft.config.load.FieldPath;
import dev.weft.config.model.PolicyTargetReference;
import dev.weft.config.model.RequestAuthentication;
import dev.weft.config.model.RequestAuthenticationSpec;
import dev.weft.config.model.RequestAuthenticationSpec.ClaimToHeader;
import dev.weft.config.model.RequestAuthenticationSpec.JwtRule;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Istio's rules for RequestAuthentication, plus Weft's: every rule needs its keys locally ({@code jwks} inline or
 * a {@code file:} {@code jwksUri}), and the keys are parsed now, so a bad key is reported here with its file and
 * field rather than by a proxy.
 */
final class RequestAuthenticationValidator {
    private static final Pattern HEADER_NAME = Pattern.compile("[A-Za-z0-9!#$%&'*+.^_`|~-]+");

    private RequestAuthenticationValidator() {}

    static void validate(RequestAuthentication ra, Reporter r) {
        RequestAuthenticationSpec spec = ra.spec();
        FieldPath s = FieldPath.of("spec");
        boolean hasSelector = spec.selector() != null && !spec.selector().matchLabels().isEmpty();
        if (hasSelector && !spec.allTargetRefs().isEmpty()) {
            r.error(s.field("selector"), "selector and targetRef/targetRefs are mutually exclusive");
        }
        if (spec.targetRef() != null) {
            targetRef(spec.targetRef(), s.field("targetRef"), ra, r);
        }
        for (int i = 0; i < spec.targetRefs().size(); i++) {
            targetRef(spec.targetRefs().get(i), s.field("targetRefs").index(i), ra, r);
        }
        for (int i = 0; i < spec.jwtRules().size(); i++) {
            rule(spec.jwtRules().get(i), s.field("jwtRules").index(i), ra, r);
        }
    }

    private static void targetRef(PolicyTargetReference ref, FieldPath at, RequestAuthentication ra, Reporter r) {
        if (ref.kind() == null || !ref.kind().equals("Service")) {
            r.error(at.field("kind"), "Weft attaches policies only to kind Service (it has no Gateway or"
                    + " GatewayClass), got " + (ref.kind() == null ? "nothing" : "\"" + ref.kind() + "\""));
        }
        if (ref.group() != null && !ref.group().isEmpty() && !ref.group().equals("core")) {
            r.error(at.field("group"), "a Service is in the core group (\"\"), got \"" + ref.group() + "\"");
        }
        if (ref.name() == null || ref.name().isEmpty()) {
            r.error(at.field("name"), "name is required");
        }
        if (ref.namespace() != null && !ref.namespace().isEmpty() && !ref.namespace().equals(ra.meta().namespace())) {
            r.error(at.field("namespace"), "a policy can only target resources in its own namespace ("
                    + ra.meta().namespace() + ")");
        }
    }

    private static void rule(JwtRule rule, FieldPath at, RequestAuthentication ra, Reporter r) {
        if (rule.issuer() == null || rule.issuer().isEmpty()) {
            r.error(at.field("issuer"), "issuer is required");
        }
        for (int i = 0; i < rule.audiences().size(); i++) {
            if (rule.audiences().get(i).isEmpty()) {
                r.error(at.field("audiences").index(i), "empty audience");
            }
        }
        if (rule.jwks() != null && rule.jwksUri() != null) {
            r.error(at.field("jwksUri"), "set only one of jwks and jwksUri");
        } else if (rule.jwks() != null) {
            try {
                RequestAuthentications.checkJwks(rule.jwks());
            } catch (IllegalArgumentException e) {
                r.error(at.field("jwks"), e.getMessage());
            }
        } else if (rule.jwksUri() != null) {
            try {
                RequestAuthentications.checkJwks(RequestAuthentications.readJwksUri(rule.jwksUri(), ra.meta().file()));
            } catch (IllegalArgumentException e) {
                r.error(at.field("jwksUri"), e.getMessage());
            }
        } else {
            r.error(at, "jwks or jwksUri is required: Weft does not discover keys from the issuer over the network");
        }
        for (int i = 0; i < rule.fromHeaders().size(); i++) {
            var h = rule.fromHeaders().get(i);
            if (h.name() == null || h.name().isEmpty()) {
                r.error(at.field("fromHeaders").index(i).field("name"), "name is required");
            } else {
                headerName(h.name(), at.field("fromHeaders").index(i).field("name"), r);
            }
        }
        strings(rule.fromParams(), at.field("fromParams"), r);
        strings(rule.fromCookies(), at.field("fromCookies"), r);
        if (rule.outputPayloadToHeader() != null) {
            headerName(rule.outputPayloadToHeader(), at.field("outputPayloadToHeader"), r);
        }
        List<ClaimToHeader> claims = rule.outputClaimToHeaders();
        for (int i = 0; i < claims.size(); i++) {
            FieldPath c = at.field("outputClaimToHeaders").index(i);
            if (claims.get(i).header() == null || claims.get(i).header().isEmpty()) {
                r.error(c.field("header"), "header is required");
            } else {
                headerName(claims.get(i).header(), c.field("header"), r);
            }
            if (claims.get(i).claim() == null || claims.get(i).claim().isEmpty()) {
                r.error(c.field("claim"), "claim is required");
            }
        }
    }

    private static void headerName(String name, FieldPath at, Reporter r) {
        String lower = name.toLowerCase(Locale.ROOT);
        if (!HEADER_NAME.matcher(name).matches()) {
            r.error(at, "not a valid HTTP header name: \"" + name + "\"");
        } else if (lower.equals("host") || lower.equals("content-length") || lower.equals("transfer-encoding")
                || lower.equals("connection")) {
            r.error(at, "header \"" + name + "\" cannot carry a token or claim");
        }
    }

    private static void strings(List<String> values, FieldPath at, Reporter r) {
        for (int i = 0; i < values.size(); i++) {
            if (values.get(i).isEmpty()) {
                r.error(at.index(i), "empty value");
            }
        }
    }
}
