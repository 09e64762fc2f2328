package dev.weft.dataplane.xds;

import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import java.net.InetAddress;

/** Validation of socket addresses shared by listener and endpoint parsing. */
final class SocketAddresses {
    private SocketAddresses() {}

    /** The address as an IP literal; host names are refused (no DNS lookup happens here). */
    static String ipLiteral(SocketAddress socket, Rejector reject, String path) throws ResourceRejectedException {
        String address = socket.getAddress();
        if (address.isEmpty()) {
            throw reject.at(path + ".address", "missing address");
        }
        if (!isIpLiteral(address)) {
            throw reject.at(path + ".address", "not an IP address: " + address);
        }
        checkProtocol(socket, reject, path);
        return address;
    }

    /** An IP literal, or a DNS name (for STRICT_DNS/LOGICAL_DNS clusters, resolved by the proxy at connect time). */
    static String hostOrIp(SocketAddress socket, Rejector reject, String path) throws ResourceRejectedException {
        String address = socket.getAddress();
        if (address.isEmpty()) {
            throw reject.at(path + ".address", "missing address");
        }
        if (!isIpLiteral(address) && !isDnsName(address)) {
            throw reject.at(path + ".address", "neither an IP address nor a DNS name: " + address);
        }
        checkProtocol(socket, reject, path);
        return address;
    }

    static int port(SocketAddress socket, Rejector reject, String path, boolean zeroAllowed)
            throws ResourceRejectedException {
        if (socket.getPortSpecifierCase() == SocketAddress.PortSpecifierCase.NAMED_PORT) {
            throw reject.at(path + ".named_port", "named ports are not supported");
        }
        int port = socket.getPortValue();
        if (port < (zeroAllowed ? 0 : 1) || port > 65535) {
            throw reject.at(path + ".port_value", "invalid port " + port);
        }
        return port;
    }

    private static void checkProtocol(SocketAddress socket, Rejector reject, String path)
            throws ResourceRejectedException {
        if (socket.getProtocol() != SocketAddress.Protocol.TCP) {
            throw reject.at(path + ".protocol", "only TCP is supported");
        }
    }

    static boolean isIpLiteral(String address) {
        try {
            InetAddress.ofLiteral(address);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static boolean isDnsName(String name) {
        if (name.length() > 253) {
            return false;
        }
        for (String label : name.split("\\.", -1)) {
            if (label.isEmpty() || label.length() > 63 || label.startsWith("-") || label.endsWith("-")) {
                return false;
            }
            for (int i = 0; i < label.length(); i++) {
                char c = label.charAt(i);
                if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_')) {
                    return false;
                }
            }
        }
        return true;
    }
}
