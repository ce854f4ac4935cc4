package dev.glean.controller.api;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.handler.codec.http.DefaultHttpContent;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The body of a streamed answer (logs, server-sent events), written by a handler's virtual thread: bytes gather until
 * a flush or {@value #CHUNK} of them, then go out as one chunk. A writer waits while the connection's outbound buffer
 * is over its high-water mark, so a client that reads slowly holds back its own stream, not the controller's memory;
 * one that stops reading for {@code stallLimit} is cut off.
 */
final class ChunkedAnswer extends OutputStream {
    static final int CHUNK = 16 * 1024;
    private final Channel channel;
    private final Duration stallLimit;
    private final Runnable end;
    private byte[] buf = new byte[256];
    private int size;
    private boolean closed;

    /** {@code end} writes the end of the answer (the last chunk) and hands the connection back. */
    ChunkedAnswer(Channel channel, Duration stallLimit, Runnable end) {
        this.channel = channel;
        this.stallLimit = stallLimit;
        this.end = end;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        if (closed) {
            throw new IOException("the answer is closed");
        }
        while (len > 0) {
            if (size == buf.length && buf.length < CHUNK) {
                buf = Arrays.copyOf(buf, Math.min(CHUNK, Math.max(buf.length * 2, size + len)));
            }
            int n = Math.min(len, buf.length - size);
            System.arraycopy(b, off, buf, size, n);
            size += n;
            off += n;
            len -= n;
            if (size == CHUNK) {
                sendChunk();
            }
        }
    }

    @Override
    public void flush() throws IOException {
        if (!closed) {
            sendChunk();
        }
    }

    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        try {
            sendChunk();
        } finally {
            closed = true;
            end.run();
        }
    }

    void closeQuietly() {
        try {
            close();
        } catch (IOException gone) {
            // The client went away; the connection is closed already.
        }
    }

    private void sendChunk() throws IOException {
        if (!channel.isActive()) {
            throw new IOException("the client closed the connection");
        }
        if (size == 0) {
            return;
        }
        ChannelFuture written = channel.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(Arrays.copyOf(buf, size))));
        size = 0;
        if (!channel.isWritable()) {
            await(written);
        }
    }

    /** Parks the virtual thread (not its carrier) until the chunk is on the wire. */
    private void await(ChannelFuture written) throws IOException {
        CompletableFuture<Void> done = new CompletableFuture<>();
        written.addListener(f -> done.complete(null));
        try {
            done.get(stallLimit.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            channel.close();
            throw new IOException("the client read nothing for " + stallLimit.toSeconds() + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            channel.close();
            throw new IOException("interrupted");
        } catch (ExecutionException impossible) {
            throw new IOException(impossible.getCause());
        }
        if (!written.isSuccess()) {
            throw new IOException("the client went away", written.cause());
        }
    }
}
