/**
 * AuthorizationPolicy in the sidecar: {@link dev.weft.proxy.authz.AuthorizationFilter} runs the inbound listener's
 * RBAC filters (parsed in weft-dataplane) before routing and answers a denied request with 403
 * {@code RBAC: access denied}, response flag {@code RBAC}.
 */
package dev.weft.proxy.authz;
