package dev.weft.controlplane.push;

/** Why a push was asked for; a push carries every reason collected during its debounce window. */
public enum PushReason {
    /** files in the config directory changed: reload and re-validate first */
    CONFIG_FILES,
    /** a workload registered, changed or was withdrawn */
    REGISTRY,
    /** a push was requested explicitly (start-up, tests) */
    FORCED
}
