/**
 * Authorization (issue 5), transport-independent. {@link dev.weft.dataplane.authz.RbacFilter} /
 * {@link dev.weft.dataplane.authz.RbacPolicy} / {@link dev.weft.dataplane.authz.RbacMatcher} are the parsed form of
 * Envoy's {@code envoy.filters.http.rbac} (built by {@code xds.RbacFilterParser}, which NACKs what they cannot
 * express); {@link dev.weft.dataplane.authz.AuthorizationEvaluator} runs a connection manager's RBAC filters
 * against an {@link dev.weft.dataplane.authz.AuthzRequest} with Istio's DENY-before-ALLOW and implicit-deny
 * outcome. Paths are matched in the form {@link dev.weft.dataplane.routing.PathNormalizer} gives them, so encoded
 * or dotted spellings cannot slip past a rule. The transports (weft-proxy's {@code authz.AuthorizationFilter})
 * fill the request from their connection: verified peer SPIFFE ID, addresses, headers.
 */
package dev.weft.dataplane.authz;
