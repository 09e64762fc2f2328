package dev.weft.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/** One blocking GET on a fresh connection; used only to wait until a target really reaches the backend. */
final class HttpProbe {
    private HttpProbe() {}

    /** The status line and headers of the answer, or a description of why there was none. */
    static String get(String host, int port, String hostHeader, String path) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), 1_000);
            socket.setSoTimeout(2_000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: " + hostHeader + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            StringBuilder text = new StringBuilder();
            byte[] buf = new byte[4096];
            int n;
            // Stop at the end of the headers: a proxy may keep the connection open despite Connection: close.
            while (text.indexOf("\r\n\r\n") < 0 && (n = in.read(buf)) > 0) {
                text.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
            }
            int end = text.indexOf("\r\n\r\n");
            return end >= 0 ? text.substring(0, end) : text.toString();
        } catch (IOException e) {
            return "no answer: " + e;
        }
    }

    /** True when the answer is a 200 that carries the backend's marker header. */
    static boolean reachesBackend(String head) {
        return head.startsWith("HTTP/1.1 200")
                && head.toLowerCase(Locale.ROOT).contains("\r\n" + BackendServer.MARKER_HEADER + ":");
    }
}
