package dev.weft.proxy.net;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.timeout.IdleStateEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class IdleTimerTest {
    private final List<Object> events = new ArrayList<>();

    private EmbeddedChannel channel() {
        return new EmbeddedChannel(new IdleTimer(10, TimeUnit.SECONDS), new ChannelInboundHandlerAdapter() {
            @Override
            public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                events.add(evt);
            }
        });
    }

    private static void advance(EmbeddedChannel ch, long seconds) {
        ch.advanceTimeBy(seconds, TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();
    }

    @Test
    void aConnectionWithNoTrafficIsIdleAfterTheTimeoutAndAgainAfterEachFurtherTimeout() {
        EmbeddedChannel ch = channel();
        advance(ch, 9);
        assertThat(events).isEmpty();
        advance(ch, 1);
        assertThat(events).containsExactly(IdleStateEvent.ALL_IDLE_STATE_EVENT);
        advance(ch, 10);
        assertThat(events).hasSize(2);
        ch.finishAndReleaseAll();
    }

    @Test
    void readsAndWritesEachPushTheTimeoutBack() {
        EmbeddedChannel ch = channel();
        advance(ch, 8);
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {1})); // read (and read-complete) at 8 s
        advance(ch, 8);
        assertThat(events).as("8 s after the read").isEmpty();
        ch.writeOneOutbound(Unpooled.wrappedBuffer(new byte[] {2}), ch.voidPromise()); // a write at 16 s
        ch.flushOutbound();
        advance(ch, 9);
        assertThat(events).as("9 s after the write").isEmpty();
        advance(ch, 1);
        assertThat(events).as("10 s after the write").containsExactly(IdleStateEvent.ALL_IDLE_STATE_EVENT);
        ch.finishAndReleaseAll();
    }

    @Test
    void noEventAfterTheConnectionCloses() {
        EmbeddedChannel ch = channel();
        ch.close();
        advance(ch, 30);
        assertThat(events).isEmpty();
    }
}
