package dev.weft.config.model;

/** Istio {@code security.istio.io} PeerAuthentication: which mTLS mode a workload's inbound port accepts. */
public record PeerAuthentication(ResourceMeta meta, PeerAuthenticationSpec spec) implements IstioResource {}
