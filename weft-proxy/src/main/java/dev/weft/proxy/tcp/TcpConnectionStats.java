package dev.weft.proxy.tcp;

import dev.weft.proxy.telemetry.TcpConnectionTelemetry;
import io.netty.channel.Channel;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Bytes relayed by one proxied TCP connection, counted on its event loop (plain fields: both channels share it).
 * {@code received} is what the downstream client sent, {@code sent} what it was sent back, as Istio's
 * istio_tcp_received_bytes_total / istio_tcp_sent_bytes_total count them at the proxy. Reports them to the
 * connection's telemetry every reporting interval while open (Envoy's {@code tcp_reporting_duration}) and once
 * when its last channel closed.
 */
final class TcpConnectionStats {
    private final TcpConnectionTelemetry telemetry; // null: no telemetry
    private long received;
    private long sent;
    private int openChannels;
    private ScheduledFuture<?> periodic;

    TcpConnectionStats(TcpConnectionTelemetry telemetry) {
        this.telemetry = telemetry;
    }

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

    /**
     * Counts {@code channel} as one side of the connection: the closing report goes out once every tracked side
     * closed. The first call (the downstream channel) starts the periodic reports on its event loop.
     */
    void track(Channel channel, Duration reportingInterval) {
        if (telemetry == null) {
            return;
        }
        openChannels++;
        if (periodic == null) {
            long millis = reportingInterval.toMillis();
            periodic = channel.eventLoop().scheduleAtFixedRate(
                    () -> telemetry.report(received, sent, false), millis, millis, TimeUnit.MILLISECONDS);
        }
        channel.closeFuture().addListener(f -> {
            if (--openChannels == 0) {
                periodic.cancel(false);
                telemetry.report(received, sent, true);
            }
        });
    }
}
