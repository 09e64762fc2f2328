/**
 * Fault injection: the per-route {@link dev.weft.dataplane.fault.FaultPolicy} parsed from Envoy's {@code HTTPFault},
 * applied by the proxy before the router.
 */
package dev.weft.dataplane.fault;
