package dev.weft.proxy.tls;

/** A {@link MeshTlsProvider} set once the workload identity exists (listeners and pools are built before it). */
public final class MeshTlsSwitch implements MeshTlsProvider {
    private volatile MeshTlsProvider delegate = MeshTlsProvider.NONE;

    public void use(MeshTlsProvider provider) {
        this.delegate = provider == null ? MeshTlsProvider.NONE : provider;
    }

    @Override
    public MeshTlsContexts current() {
        return delegate.current();
    }
}
