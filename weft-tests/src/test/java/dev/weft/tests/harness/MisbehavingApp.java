package dev.weft.tests.harness;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An upstream that accepts TCP connections and then misbehaves at the socket level, on 127.0.0.1: {@link Mode#HANG}
 * reads the request and never answers; {@link Mode#RESET} reads the first bytes of the request and resets the
 * connection (RST, by closing with SO_LINGER 0). Counts the connections it got.
 */
public final class MisbehavingApp implements AutoCloseable {
    public enum Mode { HANG, RESET }

    private final ServerSocket server;
    private volatile Mode mode;
    private final AtomicLong connections = new AtomicLong();
    private final Queue<Socket> open = new ConcurrentLinkedQueue<>();
    private volatile boolean closed;

    private MisbehavingApp(int port, Mode mode) {
        this.mode = mode;
        try {
            server = new ServerSocket(port, 512, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Thread.ofVirtual().name("misbehaving-" + mode + "-accept").start(this::acceptLoop);
    }

    public static MisbehavingApp start(int port, Mode mode) {
        return new MisbehavingApp(port, mode);
    }

    /** Changes how connections accepted from now on are treated. */
    public void mode(Mode mode) {
        this.mode = mode;
    }

    public long connections() {
        return connections.get();
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket s = server.accept();
                connections.incrementAndGet();
                Thread.ofVirtual().start(() -> serve(s));
            } catch (IOException e) {
                if (!closed) {
                    System.err.println("misbehaving app: accept failed: " + e);
                }
            }
        }
    }

    private void serve(Socket s) {
        try {
            InputStream in = s.getInputStream();
            byte[] buffer = new byte[4096];
            Mode now = mode;
            if (now == Mode.RESET) {
                in.read(buffer); // the request arrived: the app "crashes" mid-request
                s.setSoLinger(true, 0);
                s.close();
                return;
            }
            open.add(s);
            while (in.read(buffer) >= 0) {
                // hang: swallow whatever comes, answer nothing, until the peer gives up
            }
            s.close();
            open.remove(s);
        } catch (IOException e) {
            // the peer went away
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException e) {
            // closing anyway
        }
        for (Socket s : open) {
            try {
                s.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
    }
}
