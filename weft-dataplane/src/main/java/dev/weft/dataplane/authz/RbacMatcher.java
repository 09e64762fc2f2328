package dev.weft.dataplane.authz;

import dev.weft.dataplane.config.StringMatcher;
import java.util.List;

/**
 * Envoy RBAC {@code Permission} and {@code Principal} matchers, as one tree: both sides test attributes of the
 * same request, so one evaluator serves both.
 */
public sealed interface RbacMatcher {
    boolean matches(AuthzRequest r);

    record Any() implements RbacMatcher {
        public boolean matches(AuthzRequest r) {
            return true;
        }
    }

    record And(List<RbacMatcher> all) implements RbacMatcher {
        public And {
            all = List.copyOf(all);
        }

        public boolean matches(AuthzRequest r) {
            for (RbacMatcher m : all) {
                if (!m.matches(r)) {
                    return false;
                }
            }
            return true;
        }
    }

    record Or(List<RbacMatcher> any) implements RbacMatcher {
        public Or {
            any = List.copyOf(any);
        }

        public boolean matches(AuthzRequest r) {
            for (RbacMatcher m : any) {
                if (m.matches(r)) {
                    return true;
                }
            }
            return false;
        }
    }

    record Not(RbacMatcher negated) implements RbacMatcher {
        public boolean matches(AuthzRequest r) {
            return !negated.matches(r);
        }
    }

    /** An absent header never matches (Envoy), so {@code Not(Header)} matches requests without it. */
    record Header(String name, StringMatcher value, boolean invert) implements RbacMatcher {
        public boolean matches(AuthzRequest r) {
            String v = r.header(name);
            return v != null && value.matches(v) != invert;
        }
    }

    /** The normalized path, without the query. */
    record UrlPath(StringMatcher path) implements RbacMatcher {
        public boolean matches(AuthzRequest r) {
            return r.path() != null && path.matches(r.path());
        }
    }

    record DestinationPort(int port) implements RbacMatcher {
        public boolean matches(AuthzRequest r) {
            return r.destinationPort() == port;
        }
    }

    record DestinationIp(Cidr cidr) implements RbacMatcher {
        public boolean matches(AuthzRequest r) {
            return cidr.contains(r.destinationIp());
        }
    }

    record RequestedServerName(StringMatcher name) implements RbacMatcher {
        public boolean matches(AuthzRequest r) {
            return r.sni() != null && name.matches(r.sni());
        }
    }

    /** The verified peer certificate's URI SAN; without one (plaintext), no principal name matches. */
    record Authenticated(StringMatcher principalName) implements RbacMatcher {
        public boolean matches(AuthzRequest r) {
            return r.peerPrincipal() != null && (principalName == null || principalName.matches(r.peerPrincipal()));
        }
    }

    record DirectRemoteIp(Cidr cidr) implements RbacMatcher {
        public boolean matches(AuthzRequest r) {
            return cidr.contains(r.directRemoteIp());
        }
    }

    record RemoteIp(Cidr cidr) implements RbacMatcher {
        public boolean matches(AuthzRequest r) {
            return cidr.contains(r.remoteIp());
        }
    }

    /** Istio's {@code istio_authn} metadata {@code request.auth.principal} ({@code iss/sub}); absent without a JWT. */
    record RequestPrincipal(StringMatcher principal) implements RbacMatcher {
        public boolean matches(AuthzRequest r) {
            return r.requestAuth() != null && principal.matches(r.requestAuth().principal());
        }
    }

    /** {@code request.auth.audiences}: any of the verified token's {@code aud} values. */
    record RequestAudiences(StringMatcher audience) implements RbacMatcher {
        public boolean matches(AuthzRequest r) {
            if (r.requestAuth() == null) {
                return false;
            }
            for (String a : r.requestAuth().audiences()) {
                if (audience.matches(a)) {
                    return true;
                }
            }
            return false;
        }
    }

    /** {@code request.auth.presenter}: the verified token's {@code azp}. */
    record RequestPresenter(StringMatcher presenter) implements RbacMatcher {
        public boolean matches(AuthzRequest r) {
            return r.requestAuth() != null && r.requestAuth().presenter() != null
                    && presenter.matches(r.requestAuth().presenter());
        }
    }

    /**
     * {@code request.auth.claims[a][b]}: one of the claim's values (a string, or the strings of a list) matches;
     * a missing or non-string claim never does.
     */
    record RequestClaim(java.util.List<String> path, StringMatcher value) implements RbacMatcher {
        public RequestClaim {
            path = java.util.List.copyOf(path);
        }

        public boolean matches(AuthzRequest r) {
            if (r.requestAuth() == null) {
                return false;
            }
            for (String v : r.requestAuth().claimValues(path)) {
                if (value.matches(v)) {
                    return true;
                }
            }
            return false;
        }
    }
}
