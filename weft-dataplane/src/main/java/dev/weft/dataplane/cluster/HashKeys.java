package dev.weft.dataplane.cluster;

import java.nio.charset.StandardCharsets;

/**
 * The hash behind consistent hashing, shared by the request side (hash policies) and the ring/Maglev builders so both
 * agree: 64-bit xxHash (XXH64, seed 0 by default) of the key's UTF-8 bytes, the function Envoy uses for hash policies.
 * ASCII keys are hashed straight from the chars without allocating.
 */
public final class HashKeys {
    private static final long P1 = 0x9E3779B185EBCA87L;
    private static final long P2 = 0xC2B2AE3D27D4EB4FL;
    private static final long P3 = 0x165667B19E3779F9L;
    private static final long P4 = 0x85EBCA77C2B2AE63L;
    private static final long P5 = 0x27D4EB2F165667C5L;

    private HashKeys() {}

    /** XXH64 of the key's UTF-8 encoding with seed 0. */
    public static long hashKey(CharSequence key) {
        return hashKey(key, 0);
    }

    public static long hashKey(CharSequence key, long seed) {
        int len = key.length();
        for (int i = 0; i < len; i++) {
            if (key.charAt(i) >= 0x80) {
                byte[] utf8 = key.toString().getBytes(StandardCharsets.UTF_8);
                return xxh64(null, utf8, utf8.length, seed);
            }
        }
        return xxh64(key, null, len, seed);
    }

    public static long hash(byte[] bytes, long seed) {
        return xxh64(null, bytes, bytes.length, seed);
    }

    /** Reads from {@code bytes} when non-null, else from {@code chars} (all ASCII, so one byte per char). */
    private static long xxh64(CharSequence chars, byte[] bytes, int len, long seed) {
        int i = 0;
        long h;
        if (len >= 32) {
            long v1 = seed + P1 + P2;
            long v2 = seed + P2;
            long v3 = seed;
            long v4 = seed - P1;
            do {
                v1 = round(v1, readLong(chars, bytes, i));
                v2 = round(v2, readLong(chars, bytes, i + 8));
                v3 = round(v3, readLong(chars, bytes, i + 16));
                v4 = round(v4, readLong(chars, bytes, i + 24));
                i += 32;
            } while (i <= len - 32);
            h = Long.rotateLeft(v1, 1) + Long.rotateLeft(v2, 7) + Long.rotateLeft(v3, 12) + Long.rotateLeft(v4, 18);
            h = merge(h, v1);
            h = merge(h, v2);
            h = merge(h, v3);
            h = merge(h, v4);
        } else {
            h = seed + P5;
        }
        h += len;
        while (i + 8 <= len) {
            h ^= round(0, readLong(chars, bytes, i));
            h = Long.rotateLeft(h, 27) * P1 + P4;
            i += 8;
        }
        if (i + 4 <= len) {
            h ^= (readLong(chars, bytes, i, 4)) * P1;
            h = Long.rotateLeft(h, 23) * P2 + P3;
            i += 4;
        }
        while (i < len) {
            h ^= readByte(chars, bytes, i) * P5;
            h = Long.rotateLeft(h, 11) * P1;
            i++;
        }
        h ^= h >>> 33;
        h *= P2;
        h ^= h >>> 29;
        h *= P3;
        h ^= h >>> 32;
        return h;
    }

    private static long round(long acc, long input) {
        acc += input * P2;
        acc = Long.rotateLeft(acc, 31);
        return acc * P1;
    }

    private static long merge(long h, long v) {
        h ^= round(0, v);
        return h * P1 + P4;
    }

    private static long readByte(CharSequence chars, byte[] bytes, int i) {
        return bytes != null ? bytes[i] & 0xFFL : chars.charAt(i) & 0xFFL;
    }

    private static long readLong(CharSequence chars, byte[] bytes, int i) {
        return readLong(chars, bytes, i, 8);
    }

    /** Little-endian read of {@code n} bytes. */
    private static long readLong(CharSequence chars, byte[] bytes, int i, int n) {
        long v = 0;
        for (int k = n - 1; k >= 0; k--) {
            v = (v << 8) | readByte(chars, bytes, i + k);
        }
        return v;
    }
}
