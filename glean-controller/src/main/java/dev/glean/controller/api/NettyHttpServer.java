package dev.glean.controller.api;

import dev.glean.core.error.ErrorCode;
import dev.glean.core.error.GleanException;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpMessage;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.ToIntFunction;

/**
 * Serves a {@link Router} over HTTP/1.1 with Netty. The event loops read and parse requests and write answers without
 * blocking; a request received whole (bodies are bounded per route) is offered to its route's inline handler on the
 * event loop, and otherwise handed to a virtual thread of its own, which may block (store, long-poll, streams) and
 * writes its answer back through the channel. Compared with the JDK's server this costs no selector re-registration,
 * blocking-mode switch or wake-up per request, and no thread per connection.
 *
 * <p>One answer at a time per connection, in request order: requests a client pipelines wait in the connection's
 * queue (reading stops when several wait). A connection with no request in flight that sends nothing for
 * {@code idleLimit} is closed (keep-alive connections of departed clients, and clients that stall in the middle of a
 * request); a request in flight (a long-poll, a stream) is never cut off by silence from the client.
 */
final class NettyHttpServer implements AutoCloseable {
    /** Past this many pipelined requests waiting on one connection, stop reading from it until they are answered. */
    private static final int MAX_WAITING = 16;
    /** The server's own answer headers are known good: not validated character by character. */
    private static final io.netty.handler.codec.http.HttpHeadersFactory ANSWER_HEADERS =
            io.netty.handler.codec.http.DefaultHttpHeadersFactory.headersFactory().withValidation(false);

    static {
        // Netty's default leak detection samples one buffer in 128 and records a stack trace for it: ~500 traces a
        // second at 10,000 agents, for a check whose findings only reach a log. Off unless asked for (the tests ask).
        if (System.getProperty("io.netty.leakDetection.level") == null) {
            io.netty.util.ResourceLeakDetector.setLevel(io.netty.util.ResourceLeakDetector.Level.DISABLED);
        }
    }
    private final Router router;
    private final ToIntFunction<HttpRequest> bodyLimit;
    private final Duration idleLimit;
    private final Duration stallLimit;
    private final EventLoopGroup group;
    private final ExecutorService handlers = Executors.newVirtualThreadPerTaskExecutor();
    private final Channel listener;
    /** Every open connection, closed with the server (the event loops' own shutdown did not always close them). */
    private final ChannelGroup connections = new DefaultChannelGroup("glean-http-connections", GlobalEventExecutor.INSTANCE);
    private volatile boolean closing;

    /**
     * @param bodyLimit the largest body a request may carry, by its request line and headers
     * @param idleLimit how long a connection with no request in flight may stay silent
     * @param stallLimit how long a streamed answer waits for a client that does not read
     */
    NettyHttpServer(String bind, int port, Router router, ToIntFunction<HttpRequest> bodyLimit, Duration idleLimit,
            Duration stallLimit) throws IOException {
        this.router = router;
        this.bodyLimit = bodyLimit;
        this.idleLimit = idleLimit;
        this.stallLimit = stallLimit;
        // Two event loops use the machine's two cores; handlers that block run on virtual threads, not here.
        this.group = new MultiThreadIoEventLoopGroup(Math.min(2, Runtime.getRuntime().availableProcessors()),
                new DefaultThreadFactory("glean-http", true), NioIoHandler.newFactory());
        ServerBootstrap b = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 1024)
                // Bound now (a port in use fails the constructor), accepting from start() on, as the JDK server did.
                .option(ChannelOption.AUTO_READ, false)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        connections.add(ch);
                        if (closing) {
                            ch.close(); // accepted just before the listener closed, registered after the group was closed
                            return;
                        }
                        ChannelPipeline p = ch.pipeline();
                        p.addLast(new IdleStateHandler(0, 0, idleLimit.toMillis(), TimeUnit.MILLISECONDS));
                        p.addLast(new HttpServerCodec(new HttpDecoderConfig()
                                .setMaxInitialLineLength(16 * 1024).setMaxHeaderSize(16 * 1024).setMaxChunkSize(64 * 1024)));
                        p.addLast(new BoundedAggregator(bodyLimit));
                        p.addLast(new Connection(ch));
                    }
                });
        try {
            this.listener = b.bind(new InetSocketAddress(bind, port)).syncUninterruptibly().channel();
        } catch (Exception e) {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            if (e instanceof java.net.BindException inUse) {
                throw inUse;
            }
            throw new IOException("cannot listen on " + bind + ":" + port + ": " + e.getMessage(), e);
        }
    }

    void start() {
        listener.config().setAutoRead(true);
    }

    int port() {
        return ((InetSocketAddress) listener.localAddress()).getPort();
    }

    @Override
    public void close() {
        closing = true;
        listener.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        // Like the JDK server's stop(0): open connections are closed (a client's pooled keep-alive connection must not
        // outlive the server, or its next request waits forever for an answer), handlers still running are interrupted.
        connections.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        handlers.shutdownNow();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
    }

    /** A request refused by its Content-Length before its body was read: answered in its turn with a 413. */
    private record Oversized(boolean keepAlive, int limit) {}

    /**
     * The aggregator with a limit per request (agent reports may be larger than user requests). A declared
     * Content-Length over the request's limit is refused before the body is read; a chunked body is bounded by the
     * largest limit here and refused by its own once received.
     */
    private static final class BoundedAggregator extends HttpObjectAggregator {
        private final ToIntFunction<HttpRequest> bodyLimit;

        BoundedAggregator(ToIntFunction<HttpRequest> bodyLimit) {
            super(Math.max(ApiServer.MAX_REPORT_BODY, Exchange.MAX_BODY));
            this.bodyLimit = bodyLimit;
        }

        private int limit(HttpMessage m, int max) {
            return m instanceof HttpRequest r ? Math.min(max, bodyLimit.applyAsInt(r)) : max;
        }

        @Override
        protected boolean isContentLengthInvalid(HttpMessage start, int maxContentLength) {
            return super.isContentLengthInvalid(start, limit(start, maxContentLength));
        }

        @Override
        protected Object newContinueResponse(HttpMessage start, int maxContentLength, ChannelPipeline pipeline) {
            if (HttpUtil.is100ContinueExpected(start) && isContentLengthInvalid(start, maxContentLength)) {
                return null; // answered by handleOversizedMessage: a JSON 413 rather than a bare 417
            }
            return super.newContinueResponse(start, maxContentLength, pipeline);
        }

        @Override
        protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
            // The rest of the body is skipped when the client will send it and the connection stays usable; otherwise
            // (it sent the body already, or waits for a 100 Continue, or asked to close) the connection closes.
            boolean keepAlive = !(oversized instanceof FullHttpMessage) && !HttpUtil.is100ContinueExpected(oversized)
                    && HttpUtil.isKeepAlive(oversized);
            ctx.fireChannelRead(new Oversized(keepAlive, limit(oversized, maxContentLength())));
        }
    }

    /** One client connection: its requests in order, one in flight at a time. Runs on the channel's event loop. */
    final class Connection extends ChannelInboundHandlerAdapter {
        private final Channel channel;
        private final ArrayDeque<Object> waiting = new ArrayDeque<>();
        private boolean inFlight;
        private boolean readingPaused;

        Connection(Channel channel) {
            this.channel = channel;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof FullHttpRequest) && !(msg instanceof Oversized)) {
                io.netty.util.ReferenceCountUtil.release(msg);
                return;
            }
            if (inFlight) {
                waiting.add(msg);
                if (waiting.size() >= MAX_WAITING && !readingPaused) {
                    readingPaused = true;
                    channel.config().setAutoRead(false);
                }
                return;
            }
            begin(msg);
        }

        private void begin(Object msg) {
            inFlight = true;
            if (msg instanceof Oversized o) {
                answerError(HttpVersion.HTTP_1_1, o.keepAlive(), new GleanException(ErrorCode.PAYLOAD_TOO_LARGE,
                        "request body is over " + o.limit() + " bytes"));
                return;
            }
            FullHttpRequest req = (FullHttpRequest) msg;
            if (req.decoderResult().isFailure()) {
                req.release();
                answerError(HttpVersion.HTTP_1_1, false, new GleanException(ErrorCode.MALFORMED_REQUEST,
                        "malformed HTTP request: " + describe(req.decoderResult().cause())));
                return;
            }
            int limit = bodyLimit.applyAsInt(req);
            if (req.content().readableBytes() > limit) {
                // A chunked body: bounded by the aggregator's largest limit while received, refused by its own here.
                boolean keepAlive = HttpUtil.isKeepAlive(req);
                HttpVersion v = req.protocolVersion();
                req.release();
                answerError(v, keepAlive, new GleanException(ErrorCode.PAYLOAD_TOO_LARGE, "request body is over " + limit + " bytes"));
                return;
            }
            String target = req.uri();
            String path;
            String rawQuery;
            int q = target.indexOf('?');
            String rawPath = q < 0 ? target : target.substring(0, q);
            if (rawPath.startsWith("/") && rawPath.indexOf('%') < 0 && q == target.lastIndexOf('?')
                    && rawPath.indexOf('#') < 0) {
                path = rawPath; // the common case: nothing to decode, no need for URI's parser
                rawQuery = q < 0 ? null : target.substring(q + 1);
            } else {
                try {
                    URI uri = new URI(target);
                    path = uri.getPath();
                    rawQuery = uri.getRawQuery();
                } catch (URISyntaxException e) {
                    path = null;
                    rawQuery = null;
                }
                if (path == null || path.isEmpty()) {
                    boolean keepAlive = HttpUtil.isKeepAlive(req);
                    HttpVersion v = req.protocolVersion();
                    req.release();
                    answerError(v, keepAlive, new GleanException(ErrorCode.MALFORMED_REQUEST, "malformed request target"));
                    return;
                }
            }
            Router.Match match;
            try {
                match = router.find(req.method().name(), path);
            } catch (GleanException e) {
                Exchange ex = new Exchange(this, req, rawQuery, List.of());
                ex.error(e);
                req.release();
                return;
            }
            Exchange ex = new Exchange(this, req, rawQuery, match.params());
            Router.InlineHandler inline = match.route().inline();
            if (inline != null && Router.tryInline(inline, ex)) {
                ex.finish();
                req.release();
                return;
            }
            Router.Handler handler = match.route().handler();
            try {
                handlers.execute(() -> {
                    try {
                        Router.handle(handler, ex);
                        ex.finish();
                    } finally {
                        req.release();
                    }
                });
            } catch (RejectedExecutionException closing) {
                req.release();
                channel.close();
            }
        }

        /** The answer's last byte is written (or the connection failed): serve the next request, if any. */
        private void answerWritten() {
            inFlight = false;
            Object next = waiting.poll();
            if (readingPaused && waiting.size() < MAX_WAITING / 2) {
                readingPaused = false;
                channel.config().setAutoRead(true);
            }
            if (next != null && channel.isActive()) {
                begin(next);
            } else if (next != null) {
                io.netty.util.ReferenceCountUtil.release(next);
            }
        }

        private void answerError(HttpVersion version, boolean keepAlive, GleanException e) {
            FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(e.code().httpStatus()),
                    Unpooled.wrappedBuffer(Exchange.errorJson(e)));
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json");
            HttpUtil.setContentLength(r, r.content().readableBytes());
            writeLast(r, version, keepAlive);
        }

        java.util.concurrent.Future<?> schedule(Runnable task, Duration delay) {
            return channel.eventLoop().schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
        }

        /** A whole answer; from the event loop or a handler's thread. */
        void answer(HttpRequest req, int status, String contentType, byte[] body) {
            answer(req.protocolVersion(), HttpUtil.isKeepAlive(req), status, contentType, body);
        }

        void answer(HttpVersion version, boolean keepAlive, int status, String contentType, byte[] body) {
            // No trailers on a whole answer: an empty set instead of a header table allocated per answer for nothing.
            FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status),
                    body.length == 0 ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(body), ANSWER_HEADERS.newHeaders(),
                    io.netty.handler.codec.http.EmptyHttpHeaders.INSTANCE);
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
            HttpUtil.setContentLength(r, body.length);
            writeLast(r, version, keepAlive);
        }

        /** Starts a streamed answer: chunked for HTTP/1.1; for HTTP/1.0, the body until the connection closes. */
        ChunkedAnswer startStream(HttpRequest req, int status, String contentType) {
            HttpResponse r = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status));
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
            r.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-cache");
            boolean chunked = req.protocolVersion().equals(HttpVersion.HTTP_1_1);
            boolean keepAlive = chunked && HttpUtil.isKeepAlive(req);
            if (chunked) {
                HttpUtil.setTransferEncodingChunked(r, true);
            }
            headers(r.headers(), req.protocolVersion(), keepAlive);
            channel.writeAndFlush(r);
            return new ChunkedAnswer(channel, stallLimit, () -> end(LastHttpContent.EMPTY_LAST_CONTENT, keepAlive));
        }

        private void writeLast(FullHttpResponse r, HttpVersion version, boolean keepAlive) {
            headers(r.headers(), version, keepAlive);
            end(r, keepAlive);
        }

        private void end(Object last, boolean keepAlive) {
            if (channel.eventLoop().isShuttingDown()) {
                // The server is closing (its connections with it): a handler answering late has no one to answer.
                io.netty.util.ReferenceCountUtil.release(last);
                return;
            }
            channel.writeAndFlush(last).addListener((ChannelFutureListener) f -> {
                if (!keepAlive || !f.isSuccess()) {
                    f.channel().close();
                }
                answerWritten();
            });
        }

        private static void headers(HttpHeaders h, HttpVersion version, boolean keepAlive) {
            h.set(HttpHeaderNames.DATE, HttpDate.now());
            if (!keepAlive) {
                h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            } else if (!version.isKeepAliveDefault()) {
                h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt instanceof IdleStateEvent && !inFlight) {
                ctx.close();
                return;
            }
            super.userEventTriggered(ctx, evt);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            Object m;
            while ((m = waiting.poll()) != null) {
                io.netty.util.ReferenceCountUtil.release(m);
            }
            super.channelInactive(ctx);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // A reset connection, or a decoder that gave up on the stream: nothing sensible can follow on it.
            if (cause instanceof DecoderException && !inFlight && ctx.channel().isActive()) {
                inFlight = true;
                answerError(HttpVersion.HTTP_1_1, false, new GleanException(ErrorCode.MALFORMED_REQUEST,
                        "malformed HTTP request: " + describe(cause)));
                return;
            }
            ctx.close();
        }

        private static String describe(Throwable t) {
            Throwable c = t instanceof DecoderException && t.getCause() != null ? t.getCause() : t;
            return c.getMessage() == null ? c.getClass().getSimpleName() : c.getMessage();
        }
    }

    /** The Date header: formatted once a second, not once an answer. */
    static final class HttpDate {
        private record Stamp(long second, String text) {}

        private static final DateTimeFormatter FORMAT = DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US)
                .withZone(ZoneOffset.UTC);
        private static volatile Stamp last = new Stamp(-1, "");

        static String now() {
            long second = System.currentTimeMillis() / 1000;
            Stamp s = last;
            if (s.second() != second) {
                s = new Stamp(second, FORMAT.format(Instant.ofEpochSecond(second)));
                last = s;
            }
            return s.text();
        }
    }
}
