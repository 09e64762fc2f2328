package dev.weft.proxy.http;

import dev.weft.dataplane.config.HeaderMutations;
import io.netty.handler.codec.http.HttpHeaders;

/** Applies a config's header mutations: removals first, then sets, then appends. */
final class HeaderMutator {
    private HeaderMutator() {}

    static void apply(HeaderMutations mutations, HttpHeaders headers) {
        if (mutations == null || mutations.isEmpty()) {
            return;
        }
        for (String name : mutations.remove()) {
            headers.remove(name);
        }
        for (HeaderMutations.Header h : mutations.set()) {
            headers.set(h.name(), h.value());
        }
        for (HeaderMutations.Header h : mutations.add()) {
            headers.add(h.name(), h.value());
        }
    }
}
