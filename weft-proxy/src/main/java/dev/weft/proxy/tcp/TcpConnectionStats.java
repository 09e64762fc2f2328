package dev.weft.proxy.tcp;

/**
 * Bytes relayed by one proxied TCP connection, counted on its event loop (plain fields: both channels share it).
 * {@code received} is what the downstream client sent, {@code sent} what it was sent back, as Istio's
 * istio_tcp_received_bytes_total / istio_tcp_sent_bytes_total count them at the proxy.
 */
final class TcpConnectionStats {
    private long received;
    private long sent;

    void onBytes(boolean fromDownstream, int bytes) {
        if (fromDownstream) {
            received += bytes;
        } else {
            sent += bytes;
        }
    }

    long received() {
        return received;
    }

    long sent() {
        return sent;
    }
}
