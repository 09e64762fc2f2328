package dev.weft.proxy.net;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.resolver.dns.DnsAddressResolverGroup;
import io.netty.resolver.dns.DnsNameResolverBuilder;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * The network runtime of one proxy: one event loop per core (native epoll when the platform has it, NIO otherwise),
 * pooled direct buffers, and a non-blocking DNS resolver for upstream host names.
 */
public final class Transport implements AutoCloseable {
    private final boolean epoll;
    private final EventLoopGroup workers;
    private final DnsAddressResolverGroup resolver;

    public Transport(int threads) {
        // -Dweft.transport=nio forces the portable transport (to compare behaviour, or where epoll misbehaves)
        this.epoll = Epoll.isAvailable() && !"nio".equals(System.getProperty("weft.transport"));
        this.workers = new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory("weft-proxy", true),
                epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        Class<? extends DatagramChannel> udp = epoll ? EpollDatagramChannel.class : NioDatagramChannel.class;
        this.resolver = new DnsAddressResolverGroup(new DnsNameResolverBuilder().datagramChannelType(udp));
    }

    public static Transport sizedToCores() {
        return new Transport(Runtime.getRuntime().availableProcessors());
    }

    public boolean isNativeEpoll() {
        return epoll;
    }

    public EventLoopGroup workers() {
        return workers;
    }

    public ServerBootstrap serverBootstrap() {
        Class<? extends ServerChannel> type = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        return new ServerBootstrap()
                .group(workers)
                .channel(type)
                .option(ChannelOption.SO_REUSEADDR, true)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                .childOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.AUTO_READ, false);
    }

    /** A client bootstrap whose connections live on {@code loop}, the loop of the downstream connection. */
    public Bootstrap clientBootstrap(EventLoop loop) {
        Class<? extends SocketChannel> type = epoll ? EpollSocketChannel.class : NioSocketChannel.class;
        return new Bootstrap()
                .group(loop)
                .channel(type)
                .resolver(resolver)
                .option(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.AUTO_READ, false);
    }

    /** The client socket channel type of {@link #workers()} (what another client on these loops must use). */
    public Class<? extends SocketChannel> socketChannelType() {
        return epoll ? EpollSocketChannel.class : NioSocketChannel.class;
    }

    /** The buffer pool of every channel on these loops. */
    public ByteBufAllocator allocator() {
        return PooledByteBufAllocator.DEFAULT;
    }

    @Override
    public void close() {
        resolver.close();
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
