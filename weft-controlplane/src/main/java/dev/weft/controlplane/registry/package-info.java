/**
 * Service registry: workloads registered by proxies (with a withdrawal grace period) merged with ServiceEntry/WorkloadEntry declarations into an immutable {@link dev.weft.controlplane.registry.ServiceCatalog}.
 */
package dev.weft.controlplane.registry;
