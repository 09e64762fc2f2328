/**
 * The ADS server, state of the world ({@link dev.weft.controlplane.xds.AdsStream}) and incremental/delta
 * ({@link dev.weft.controlplane.xds.DeltaAdsStream}) over one shared {@link dev.weft.controlplane.xds.XdsStream}:
 * per-stream serial execution, versions and nonces, ACK/NACK tracking exposed as
 * {@link dev.weft.controlplane.xds.ProxyStatus}; {@link dev.weft.controlplane.xds.StreamAuthentication} binds each
 * stream's node to the client certificate of its transport.
 */
package dev.weft.controlplane.xds;
