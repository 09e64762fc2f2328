/**
 * The mesh CA and workload bootstrap (DESIGN.md §6): {@link dev.weft.controlplane.ca.CertificateAuthority} keeps the
 * root and signs CSRs into short-lived SPIFFE certificates, {@link dev.weft.controlplane.ca.JoinTokens} mints and
 * verifies the join tokens that authorise one identity, and {@link dev.weft.controlplane.ca.IdentityService} ties
 * them together for the HTTP API ({@code POST /v1/tokens}, {@code POST /v1/certificates}).
 */
package dev.weft.controlplane.ca;
