package dev.weft.config.model;

public record PortSelector(Integer number) {}
