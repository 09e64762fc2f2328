/**
 * The ADS server (state of the world): per-stream serial execution, per-type versions and nonces, ACK/NACK tracking exposed as {@link dev.weft.controlplane.xds.ProxyStatus}.
 */
package dev.weft.controlplane.xds;
