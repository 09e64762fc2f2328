package dev.weft.controlplane.proxy;

/**
 * One {@code --upstream SERVICE[:PORT]=LOCALPORT} of a proxy: a local port bound to one service.
 *
 * @param service the service as the user wrote it (short or fully qualified); resolved against the proxy's namespace
 * @param port the service port, 0 when not given (then the service's only/first port is used)
 * @param localPort the 127.0.0.1 port the proxy listens on
 */
public record UpstreamBinding(String service, int port, int localPort) {

    public String listenerName() {
        return "upstream_" + localPort;
    }

    /** Parses {@code SERVICE[:PORT]=LOCALPORT}. */
    public static UpstreamBinding parse(String spec) throws InvalidNodeException {
        int eq = spec.lastIndexOf('=');
        if (eq <= 0 || eq == spec.length() - 1) {
            throw new InvalidNodeException("WEFT_UPSTREAMS entry '" + spec + "' is not SERVICE[:PORT]=LOCALPORT");
        }
        String target = spec.substring(0, eq).trim();
        int localPort = ProxyNode.parsePort("WEFT_UPSTREAMS entry '" + spec + "' local port", spec.substring(eq + 1).trim());
        int colon = target.lastIndexOf(':');
        if (colon < 0) {
            return new UpstreamBinding(target, 0, localPort);
        }
        String service = target.substring(0, colon);
        if (service.isEmpty()) {
            throw new InvalidNodeException("WEFT_UPSTREAMS entry '" + spec + "' has no service name");
        }
        int port = ProxyNode.parsePort("WEFT_UPSTREAMS entry '" + spec + "' service port", target.substring(colon + 1));
        return new UpstreamBinding(service, port, localPort);
    }
}
