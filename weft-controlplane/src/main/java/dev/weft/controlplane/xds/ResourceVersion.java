package dev.weft.controlplane.xds;

import com.google.protobuf.Any;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The per-resource version of delta xDS: the first 64 bits of the SHA-256 of the resource's serialized bytes, in
 * hex. It depends on the content only, so it is the same on every stream and across control-plane restarts: a
 * proxy that reconnects with {@code initial_resource_versions} is sent only what really changed.
 */
final class ResourceVersion {
    private static final HexFormat HEX = HexFormat.of();

    private ResourceVersion() {}

    static String of(Any resource) {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
        sha.update(resource.getTypeUrlBytes().asReadOnlyByteBuffer());
        sha.update(resource.getValue().asReadOnlyByteBuffer());
        return HEX.formatHex(sha.digest(), 0, 8);
    }
}
