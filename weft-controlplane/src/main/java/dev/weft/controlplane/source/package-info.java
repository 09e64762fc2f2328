/**
 * Config sources: the embedded-mode YAML directory, validated as a whole and watched for changes (Kubernetes CRDs later).
 */
package dev.weft.controlplane.source;
