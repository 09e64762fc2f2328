package dev.weft.config.model;

public record WorkloadEntry(ResourceMeta meta, WorkloadEntrySpec spec) implements IstioResource {}
