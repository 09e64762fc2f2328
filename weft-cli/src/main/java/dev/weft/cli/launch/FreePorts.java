package dev.weft.cli.launch;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Hands out ports that were free a moment ago, never the same one twice in this JVM, for child processes that must
 * be told their ports on the command line.
 *
 * <p>Ports come from below the kernel's ephemeral range: a port from inside it (what binding port 0 returns) can be
 * taken as the local port of any outgoing connection between the moment it is handed out and the moment the child
 * binds it, which made busy test runs fail with "Address already in use". Picking at random also keeps concurrent
 * JVMs (tests, demos) from converging on the same ports.
 */
public final class FreePorts {
    private static final int LOWEST = 10_000;
    private static final Set<Integer> handedOut = ConcurrentHashMap.newKeySet();
    private static final int ceiling = ephemeralRangeStart();

    private FreePorts() {
    }

    public static int next() {
        for (int attempt = 0; attempt < 1000; attempt++) {
            int port = ThreadLocalRandom.current().nextInt(LOWEST, ceiling);
            if (!handedOut.contains(port) && bindable(port) && handedOut.add(port)) {
                return port;
            }
        }
        throw new IllegalStateException("no free port in " + LOWEST + "-" + (ceiling - 1) + " after 1000 attempts");
    }

    private static boolean bindable(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** The first port of the kernel's ephemeral range (Linux default 32768), the top of ours. */
    private static int ephemeralRangeStart() {
        try {
            String range = Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).trim();
            int start = Integer.parseInt(range.split("\\s+")[0]);
            return start > LOWEST + 1000 ? start : 32_768;
        } catch (IOException | RuntimeException e) {
            return 32_768;
        }
    }
}
