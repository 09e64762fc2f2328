/**
 * Push pipeline: change events are debounced and coalesced by the {@link dev.weft.controlplane.push.PushQueue}; each push freezes config and registry into one immutable {@link dev.weft.controlplane.push.PushContext}.
 */
package dev.weft.controlplane.push;
