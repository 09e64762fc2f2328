package dev.weft.proxy.http;

import dev.weft.dataplane.cluster.Cluster;
import dev.weft.dataplane.cluster.LbContext;
import dev.weft.dataplane.cluster.UpstreamHost;
import dev.weft.dataplane.retry.Backoff;
import dev.weft.dataplane.retry.PreviousHosts;
import dev.weft.dataplane.retry.RetryPolicy;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.HttpContent;
import java.util.ArrayList;
import java.util.List;

/**
 * The retry bookkeeping of one exchange: how many retries are left, the request body kept for replay (bounded), the
 * cluster's retry budget slot, and the amplification guard. Lives on the exchange's event loop; only the budget
 * counters are shared (atomics).
 */
final class RetryState {
    /** Request bodies up to this size are kept for replay; a larger body is sent once (Envoy keeps up to 1 MiB). */
    static final int MAX_REPLAY_BYTES = 64 * 1024;
    /**
     * Response flag (Weft's own, Envoy has none): the response was retriable but not retried because the request
     * body was larger than {@link #MAX_REPLAY_BYTES} and could not be replayed.
     */
    static final String BODY_TOO_LARGE_FLAG = "RBL";

    private final RetryPolicy policy;
    private final Cluster cluster;
    private final boolean onlyBeforeApplication;
    /** The body parts kept for replay; null until the first one. */
    private List<ByteBuf> body;
    private int bodyBytes;
    private boolean bodyTooLarge;
    private int retriesDone;
    private boolean holdingBudgetSlot;
    private boolean budgetExhausted;
    /** Hosts tried so far, made on the first retry. */
    private PreviousHosts tried;

    /**
     * @param alreadyRetriedUpstream the request carries an earlier hop's retry marker: failures that reached an
     *     application are not retried here, so a chain of retrying hops does not multiply attempts
     */
    RetryState(RetryPolicy policy, Cluster cluster, boolean alreadyRetriedUpstream) {
        this.policy = policy;
        this.cluster = cluster;
        this.onlyBeforeApplication = alreadyRetriedUpstream;
    }

    RetryPolicy policy() {
        return policy;
    }

    /** The attempt header's values for the first tries, so the usual request does not format a number. */
    private static final String[] ATTEMPT_TEXT = {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};

    /** {@code attempt} as the attempt header's text. */
    static String attemptText(int attempt) {
        return attempt >= 0 && attempt < ATTEMPT_TEXT.length ? ATTEMPT_TEXT[attempt] : Integer.toString(attempt);
    }

    /** 1 for the first try. */
    int attemptNumber() {
        return retriesDone + 1;
    }

    /** Keeps a copy of a request body part for replay, until the limit is passed. */
    void keep(HttpContent content) {
        if (bodyTooLarge) {
            return;
        }
        ByteBuf bytes = content.content();
        if (!bytes.isReadable()) {
            return;
        }
        if (bodyBytes + bytes.readableBytes() > MAX_REPLAY_BYTES) {
            bodyTooLarge = true;
            release();
            return;
        }
        bodyBytes += bytes.readableBytes();
        if (body == null) {
            body = new ArrayList<>(2);
        }
        body.add(bytes.retainedDuplicate());
    }

    /** Copies of the body parts kept so far, for the next attempt (each released by whoever sends it). */
    List<HttpContent> replay() {
        if (body == null) {
            return List.of();
        }
        List<HttpContent> parts = new ArrayList<>(body.size());
        for (ByteBuf b : body) {
            parts.add(new DefaultHttpContent(b.retainedDuplicate()));
        }
        return parts;
    }

    /**
     * Whether the failure just seen may be retried: {@code retriable} by the policy, and (for failures an
     * application may have seen) not already retried upstream. Takes a budget slot on the first retry.
     */
    Decision decide(boolean retriable, boolean reachedApplication) {
        if (!retriable || retriesDone >= policy.numRetries()) {
            return Decision.NO;
        }
        if (reachedApplication && onlyBeforeApplication) {
            return Decision.NO;
        }
        if (bodyTooLarge) {
            return Decision.BODY_TOO_LARGE;
        }
        // every retry draws on the cluster's ratio budget; the first also takes a slot of retries in flight
        if (!cluster.traffic().tryStartRetry(cluster.retryBudget(), !holdingBudgetSlot)) {
            budgetExhausted = true;
            return Decision.NO;
        }
        holdingBudgetSlot = true;
        retriesDone++;
        return Decision.RETRY;
    }

    /**
     * The host for the retry just decided, after {@code previous} failed: with the {@code previous_hosts} predicate
     * any host tried before is avoided (re-picking up to {@code host_selection_retry_max_attempts} times); without it
     * only {@code previous}, and not at all for a request with a hash key (it stays on its host).
     */
    UpstreamHost nextHost(Cluster cluster, UpstreamHost previous, long hash, boolean hasHash) {
        if (!policy.otherHost()) {
            return cluster.pick(new LbContext(hash, hasHash, hasHash ? null : previous));
        }
        if (tried == null) {
            tried = new PreviousHosts();
        }
        tried.add(previous);
        return tried.pick(cluster, previous, hash, hasHash, policy.hostSelectionRetryMaxAttempts());
    }

    /** The back-off before the retry just decided. */
    long backoffMillis() {
        return Backoff.delayMillis(retriesDone, policy.backoffBase(), policy.backoffMax());
    }

    boolean budgetExhausted() {
        return budgetExhausted;
    }

    /** Ends the exchange's use of the budget and the replay buffer; idempotent. */
    void close() {
        if (holdingBudgetSlot) {
            holdingBudgetSlot = false;
            cluster.traffic().retryEnded();
        }
        release();
    }

    private void release() {
        if (body != null) {
            for (ByteBuf b : body) {
                b.release();
            }
            body.clear();
        }
        bodyBytes = 0;
    }

    enum Decision { RETRY, NO, BODY_TOO_LARGE }
}
