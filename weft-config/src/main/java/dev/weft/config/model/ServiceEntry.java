package dev.weft.config.model;

public record ServiceEntry(ResourceMeta meta, ServiceEntrySpec spec) implements IstioResource {}
