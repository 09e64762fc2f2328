/**
 * The control plane's status and debug HTTP API (/ready, /debug/syncz, /debug/config-errors, /debug/registryz, /debug/configz).
 */
package dev.weft.controlplane.http;
