package dev.weft.config.model;

public record VirtualService(ResourceMeta meta, VirtualServiceSpec spec) implements IstioResource {}
