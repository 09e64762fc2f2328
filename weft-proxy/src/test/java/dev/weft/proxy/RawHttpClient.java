package dev.weft.proxy;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * An HTTP/1.1 client over one plain socket, so tests control every byte: the request target form, Host, Expect,
 * HEAD, and connection reuse.
 */
final class RawHttpClient implements AutoCloseable {
    final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    RawHttpClient(int port) throws IOException {
        this.socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(20_000);
        this.in = new BufferedInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    record Response(int status, Map<String, List<String>> headers, byte[] body) {
        String header(String name) {
            List<String> v = headers.get(name.toLowerCase(Locale.ROOT));
            return v == null ? null : v.getFirst();
        }

        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        /** For echo responses: the value of {@code key=} on its line. */
        String echoed(String key) {
            for (String line : text().split("\n")) {
                if (line.startsWith(key + "=")) {
                    return line.substring(key.length() + 1);
                }
            }
            return null;
        }
    }

    /** Sends a request with the given head lines (no body) and reads the response. */
    Response get(String target, String... headerLines) throws IOException {
        return exchange("GET", target, headerLines);
    }

    Response exchange(String method, String target, String... headerLines) throws IOException {
        sendHead(method, target, headerLines);
        return readResponse(method.equals("HEAD"));
    }

    void sendHead(String method, String target, String... headerLines) throws IOException {
        StringBuilder sb = new StringBuilder(method).append(' ').append(target).append(" HTTP/1.1\r\n");
        for (String h : headerLines) {
            sb.append(h).append("\r\n");
        }
        sb.append("\r\n");
        out.write(sb.toString().getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    void write(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    void writeChunk(byte[] bytes, int len) throws IOException {
        out.write((Integer.toHexString(len) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
        out.write(bytes, 0, len);
        out.write("\r\n".getBytes(StandardCharsets.ISO_8859_1));
    }

    void endChunks() throws IOException {
        out.write("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    Response readResponse(boolean headRequest) throws IOException {
        return readResponse(headRequest, Long.MAX_VALUE, 0);
    }

    /**
     * Reads one response; bodies longer than {@code keepBytes} are counted, not kept (the returned body then holds
     * only the count as text), and reading pauses {@code pauseMs} every MiB to exercise backpressure.
     */
    Response readResponse(boolean headRequest, long keepBytes, long pauseMs) throws IOException {
        String statusLine = readLine();
        int status = Integer.parseInt(statusLine.split(" ")[1]);
        Map<String, List<String>> headers = new LinkedHashMap<>();
        String line;
        while (!(line = readLine()).isEmpty()) {
            int colon = line.indexOf(':');
            headers.computeIfAbsent(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                    .add(line.substring(colon + 1).trim());
        }
        Response head = new Response(status, headers, new byte[0]);
        if (headRequest || status == 204 || status == 304 || status / 100 == 1) {
            return head;
        }
        BodySink sink = new BodySink(keepBytes, pauseMs);
        String length = head.header("content-length");
        if ("chunked".equalsIgnoreCase(head.header("transfer-encoding"))) {
            while (true) {
                String size = readLine();
                int semi = size.indexOf(';');
                long n = Long.parseLong((semi < 0 ? size : size.substring(0, semi)).trim(), 16);
                if (n == 0) {
                    while (!readLine().isEmpty()) {
                        // trailers
                    }
                    break;
                }
                sink.copy(in, n);
                readLine();
            }
        } else if (length != null) {
            sink.copy(in, Long.parseLong(length));
        } else {
            sink.copy(in, Long.MAX_VALUE);
        }
        return new Response(status, headers, sink.result());
    }

    private static final class BodySink {
        final long keep;
        final long pauseMs;
        final ByteArrayOutputStream kept = new ByteArrayOutputStream();
        long total;
        long nextPause = 1 << 20;

        BodySink(long keep, long pauseMs) {
            this.keep = keep;
            this.pauseMs = pauseMs;
        }

        void copy(InputStream in, long n) throws IOException {
            byte[] buf = new byte[16 * 1024];
            while (n > 0) {
                int r = in.read(buf, 0, (int) Math.min(buf.length, n));
                if (r < 0) {
                    if (n == Long.MAX_VALUE || n > 0 && total >= 0 && n > Integer.MAX_VALUE) {
                        return; // read-to-close body
                    }
                    throw new IOException("connection closed in the middle of a body");
                }
                if (total + r <= keep) {
                    kept.write(buf, 0, r);
                }
                total += r;
                n -= r;
                if (pauseMs > 0 && total >= nextPause) {
                    try {
                        Thread.sleep(pauseMs);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    nextPause += 1 << 20;
                }
            }
        }

        byte[] result() {
            return total <= keep ? kept.toByteArray() : ("bytes=" + total).getBytes(StandardCharsets.UTF_8);
        }
    }

    private String readLine() throws IOException {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\n') {
                int len = sb.length();
                if (len > 0 && sb.charAt(len - 1) == '\r') {
                    sb.setLength(len - 1);
                }
                return sb.toString();
            }
            sb.append((char) c);
        }
        throw new IOException("connection closed while reading a line");
    }

    /** True when the server closed the connection (reads EOF within the timeout). */
    boolean closedByPeer() throws IOException {
        socket.setSoTimeout(2000);
        try {
            return in.read() == -1;
        } catch (java.net.SocketTimeoutException e) {
            return false;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
