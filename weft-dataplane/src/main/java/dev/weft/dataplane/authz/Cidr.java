package dev.weft.dataplane.authz;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** An IP prefix (Envoy {@code CidrRange}); IPv4 never matches IPv6 and vice versa. */
public record Cidr(byte[] prefix, int length) {
    public static Cidr parse(String address, int length) throws IllegalArgumentException {
        if (address.isEmpty() || !(address.contains(":") || address.chars().allMatch(c -> c == '.' || Character.isDigit(c)))) {
            throw new IllegalArgumentException("not an IP address: " + address);
        }
        byte[] bytes;
        try {
            bytes = InetAddress.getByName(address).getAddress(); // a literal: no DNS lookup
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an IP address: " + address);
        }
        if (length < 0 || length > bytes.length * 8) {
            throw new IllegalArgumentException("prefix length " + length + " out of range for " + address);
        }
        return new Cidr(bytes, length);
    }

    public boolean contains(InetAddress ip) {
        if (ip == null) {
            return false;
        }
        byte[] b = ip.getAddress();
        if (b.length != prefix.length) {
            return false;
        }
        int full = length / 8;
        for (int i = 0; i < full; i++) {
            if (b[i] != prefix[i]) {
                return false;
            }
        }
        int rest = length % 8;
        if (rest == 0) {
            return true;
        }
        int mask = (0xff << (8 - rest)) & 0xff;
        return (b[full] & mask) == (prefix[full] & mask);
    }

    @Override
    public String toString() {
        try {
            return InetAddress.getByAddress(prefix).getHostAddress() + "/" + length;
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
