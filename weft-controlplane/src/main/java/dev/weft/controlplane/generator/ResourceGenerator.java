package dev.weft.controlplane.generator;

import com.google.protobuf.Message;
import dev.weft.controlplane.proxy.ProxyNode;
import dev.weft.controlplane.push.PushContext;
import dev.weft.controlplane.xds.XdsType;

import java.util.Set;
import java.util.SortedMap;

/** A pure function from (push context, proxy) to every resource of one xDS type for that proxy, by name. */
public interface ResourceGenerator {
    XdsType type();

    SortedMap<String, Message> generate(PushContext context, ProxyNode proxy);

    /**
     * The resources for a subscription to {@code requested} names (empty: wildcard). Generators whose resource set
     * depends on what the client asks for (a gRPC client's LDS names its targets) override this; the caller still
     * keeps only the requested names.
     */
    default SortedMap<String, Message> generate(PushContext context, ProxyNode proxy, Set<String> requested) {
        return generate(context, proxy);
    }
}
