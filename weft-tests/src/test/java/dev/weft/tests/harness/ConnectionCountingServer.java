package dev.weft.tests.harness;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A keep-alive HTTP/1.1 server on raw sockets that sees what a connection pool does to it: connections accepted and
 * still open, requests per connection, and the most connections open and requests in flight at once. {@code GET
 * /slow/<ms>} answers after that delay; {@code GET /held/...} answers when the test calls {@link #releaseHeld()} (or
 * after a minute, so a failed test cannot leave it hanging), which keeps a request in flight for exactly as long as a
 * test needs whatever the machine's load; anything else at once. Body: {@code conn=<n> req=<m>}.
 */
public final class ConnectionCountingServer implements AutoCloseable {
    private final ServerSocket socket;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "counting-server");
        t.setDaemon(true);
        return t;
    });
    private final AtomicInteger accepted = new AtomicInteger();
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicInteger maxOpenAtRequest = new AtomicInteger();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger maxInFlight = new AtomicInteger();
    private final AtomicInteger requests = new AtomicInteger();
    private final List<AtomicInteger> perConnection = new CopyOnWriteArrayList<>();
    private volatile boolean closed;
    /** What {@code /held/} requests wait for; replaced by a new one at each release. */
    private volatile java.util.concurrent.CountDownLatch held = new java.util.concurrent.CountDownLatch(1);

    public ConnectionCountingServer() throws IOException {
        socket = new ServerSocket(0, 128, InetAddress.getLoopbackAddress());
        threads.execute(this::acceptLoop);
    }

    public int port() {
        return socket.getLocalPort();
    }

    /** Connections accepted so far. */
    public int connectionsAccepted() {
        return accepted.get();
    }

    /** Connections not closed by the client yet. */
    public int connectionsOpen() {
        return open.get();
    }

    /** The most connections open at the moment a request arrived (see {@link #openSettled}). */
    public int maxConnectionsOpenAtOnce() {
        return maxOpenAtRequest.get();
    }

    public int maxRequestsInFlight() {
        return maxInFlight.get();
    }

    public int requestsInFlight() {
        return inFlight.get();
    }

    public int requests() {
        return requests.get();
    }

    /** Requests each accepted connection carried, in accept order. */
    public List<Integer> requestsPerConnection() {
        return perConnection.stream().map(AtomicInteger::get).toList();
    }

    /** Answers every {@code /held/} request waiting now; later ones wait for the next release. */
    public void releaseHeld() {
        java.util.concurrent.CountDownLatch released = held;
        held = new java.util.concurrent.CountDownLatch(1);
        released.countDown();
    }

    public void reset() {
        accepted.set(0);
        maxOpenAtRequest.set(0);
        maxInFlight.set(0);
        requests.set(0);
        perConnection.clear();
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket s = socket.accept();
                accepted.incrementAndGet();
                open.incrementAndGet();
                AtomicInteger count = new AtomicInteger();
                perConnection.add(count);
                threads.execute(() -> serve(s, accepted.get(), count));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket s, int connectionNumber, AtomicInteger count) {
        try (s; InputStream in = new BufferedInputStream(s.getInputStream()); OutputStream out = s.getOutputStream()) {
            while (true) {
                String head = readHead(in);
                if (head == null) {
                    return; // the client closed the connection
                }
                maxOpenAtRequest.accumulateAndGet(openSettled(), Math::max);
                maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
                int n = count.incrementAndGet();
                requests.incrementAndGet();
                try {
                    String path = head.split(" ", 3)[1];
                    int slow = path.indexOf("/slow/");
                    if (slow >= 0) {
                        Thread.sleep(Long.parseLong(path.substring(slow + 6).replaceAll("[^0-9].*", "")));
                    } else if (path.contains("/held/")) {
                        held.await(60, java.util.concurrent.TimeUnit.SECONDS);
                    }
                } catch (InterruptedException e) {
                    return;
                } finally {
                    inFlight.decrementAndGet();
                }
                byte[] body = ("conn=" + connectionNumber + " req=" + n + "\n").getBytes(StandardCharsets.UTF_8);
                out.write(("HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: " + body.length
                        + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(body);
                out.flush();
            }
        } catch (IOException e) {
            // reset by the client: counts as closed
        } finally {
            open.decrementAndGet();
        }
    }

    /**
     * Connections open now; when that is more than one, looked at again 100 ms later, so a connection the client
     * closed just before opening this one (its end of stream not read yet by its thread) does not count.
     */
    private int openSettled() {
        int now = open.get();
        if (now > 1) {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            now = open.get();
        }
        return now;
    }

    /** The request line and headers up to the blank line (GETs only, no body); null at end of stream. */
    private static String readHead(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) != -1) {
            sb.append((char) c);
            if (sb.length() >= 4 && sb.substring(sb.length() - 4).equals("\r\n\r\n")) {
                return sb.toString();
            }
        }
        return null;
    }

    @Override
    public void close() {
        closed = true;
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        threads.shutdownNow();
    }
}
