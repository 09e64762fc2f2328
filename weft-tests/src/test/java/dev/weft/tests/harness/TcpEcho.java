package dev.weft.tests.harness;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A blocking TCP echo app for raw-TCP tests through sidecars, and the client side that talks to it. The server echoes
 * until the client's FIN, then answers with {@link #TRAILER} and closes — so a half-close is seen to cross the proxies.
 */
public final class TcpEcho implements AutoCloseable {
    public static final byte[] TRAILER = "<eof>".getBytes(StandardCharsets.US_ASCII);

    private final ServerSocket server;
    private final AtomicInteger accepted = new AtomicInteger();

    private TcpEcho(ServerSocket server) {
        this.server = server;
    }

    /** Listens on loopback {@code port} (the app port {@link Mesh#addTestAppWorkload} hands out) and serves. */
    public static TcpEcho start(int port) {
        TcpEcho echo;
        try {
            echo = new TcpEcho(new ServerSocket(port, 64, InetAddress.getLoopbackAddress()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Thread.ofVirtual().start(echo::acceptLoop);
        return echo;
    }

    /** Connections that reached the app (the proxy in front of it let them through). */
    public int accepted() {
        return accepted.get();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket c = server.accept();
                accepted.incrementAndGet();
                Thread.ofVirtual().start(() -> {
                    try (c) {
                        OutputStream out = c.getOutputStream();
                        c.getInputStream().transferTo(out); // until the client's FIN arrives through the proxies
                        out.write(TRAILER); // then answer after it: the half-closed connection still carries this
                        c.shutdownOutput();
                    } catch (IOException ignored) {
                        // the proxy went away
                    }
                });
            } catch (IOException closed) {
                return;
            }
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
    }

    /**
     * Sends {@code payload} to loopback {@code port}, half-closes, and returns everything read until the peer closes.
     * A connection the proxy refuses (closed or reset) returns what arrived before that, usually nothing.
     */
    public static byte[] roundTrip(int port, byte[] payload) throws Exception {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(20_000);
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                try {
                    s.getOutputStream().write(payload);
                    s.shutdownOutput();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            byte[] got;
            try {
                got = s.getInputStream().readAllBytes();
            } catch (SocketException reset) {
                got = new byte[0]; // a reset carries no bytes either
            }
            try {
                writer.get(20, TimeUnit.SECONDS);
            } catch (ExecutionException writeFailed) {
                // the peer closed before taking everything: what was read is the answer
            }
            return got;
        }
    }

    /** Whether a small message comes back echoed with the trailer: the path through the proxies is up. */
    public static boolean echoes(int port) throws Exception {
        return new String(roundTrip(port, "ping".getBytes(StandardCharsets.US_ASCII)), StandardCharsets.US_ASCII)
                .equals("ping<eof>");
    }
}
