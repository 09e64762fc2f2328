/**
 * Authorization building blocks (issue 5). So far: {@link dev.weft.dataplane.authz.PathNormalizer}, the path form
 * AuthorizationPolicy rules will be matched against. The RBAC filter itself is not built yet.
 */
package dev.weft.dataplane.authz;
