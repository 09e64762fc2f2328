package dev.weft.proxy.tls;

/**
 * Where listeners and upstream pools get the mesh TLS contexts (the hook both ask for on each new connection, so
 * a certificate rotation reaches new connections and leaves open ones alone). {@link #NONE} when the proxy has no
 * workload identity: mesh TLS is then unavailable and plaintext is used.
 */
public interface MeshTlsProvider {
    /** The current contexts, or null when the proxy has no identity. */
    MeshTlsContexts current();

    MeshTlsProvider NONE = () -> null;
}
