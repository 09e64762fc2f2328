package dev.weft.config.model;

public record DestinationRule(ResourceMeta meta, DestinationRuleSpec spec) implements IstioResource {}
