package dev.weft.config.model;

/** One networking.istio.io resource: the metadata plus its kind-specific spec. */
public sealed interface IstioResource permits VirtualService, DestinationRule, ServiceEntry, WorkloadEntry,
        PeerAuthentication, AuthorizationPolicy, LocalRateLimit, Telemetry,
        RequestAuthentication, MeshConfigResource {
    ResourceMeta meta();

    Object spec();
}
