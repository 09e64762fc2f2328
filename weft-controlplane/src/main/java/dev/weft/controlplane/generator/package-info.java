/**
 * xDS generators: pure functions from (PushContext, ProxyNode) to Envoy v3 resources, named as docs/xds-conventions.md fixes them.
 */
package dev.weft.controlplane.generator;
