package dev.glean.sim.swarm;

import dev.glean.core.protocol.Protocol;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.PriorityQueue;

/**
 * Every node's reports from one thread on one selector: each node keeps its own keep-alive connection and its slot in
 * the second, as with a thread per node, but a report costs the swarm a write and a read instead of a virtual thread's
 * sleep, park and wake-ups — at 10,000 nodes on 2 CPUs the swarm's own CPU decides whether the controller can be
 * measured at all. Answers are read with their Content-Length (the controller's answers to reports carry one).
 */
final class ReportLoop {
    /** What the loop hands back for each answer, and each failure. */
    interface Listener {
        void answered(SimulatedNode node, int status, byte[] body, long tookNanos, long lateNanos);

        void failed(SimulatedNode node, String why);
    }

    private static final long PERIOD = 1_000_000_000L;
    private static final long TIMEOUT = 10_000_000_000L;
    private static final byte[] CRLF2 = "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);

    private final InetSocketAddress address;
    private final String host;
    private final java.util.function.Function<SimulatedNode, byte[]> body;
    private final Listener listener;
    private final Selector selector;
    private final PriorityQueue<Peer> due = new PriorityQueue<>((a, b) -> Long.compare(a.slot, b.slot));
    private long reconnects;

    /** One node's report connection. */
    private static final class Peer {
        final SimulatedNode node;
        long slot;
        SocketChannel channel;
        SelectionKey key;
        ByteBuffer in = ByteBuffer.allocate(4096);
        long sentAt;
        boolean waiting;
        boolean reused;
        boolean retried;
        boolean connectedBefore;
        byte[] request;

        Peer(SimulatedNode node, long slot) {
            this.node = node;
            this.slot = slot;
        }
    }

    ReportLoop(InetSocketAddress address, java.util.function.Function<SimulatedNode, byte[]> body, Listener listener) throws IOException {
        this.address = address;
        this.host = address.getHostString() + ":" + address.getPort();
        this.body = body;
        this.listener = listener;
        this.selector = Selector.open();
    }

    void add(SimulatedNode node, long firstSlot) {
        due.add(new Peer(node, firstSlot));
    }

    long reconnects() {
        return reconnects;
    }

    /** Runs until {@code running} turns false, then closes every connection. */
    void run(java.util.function.BooleanSupplier running) {
        List<Peer> inFlight = new java.util.ArrayList<>();
        try {
            while (running.getAsBoolean()) {
                // Slots due within the selector's 1 ms resolution go now: waiting for them would spin.
                long now = System.nanoTime() + 1_000_000;
                while (!due.isEmpty() && due.peek().slot <= now) {
                    Peer p = due.poll();
                    send(p, now);
                    if (p.waiting) {
                        inFlight.add(p);
                    }
                }
                long wait = due.isEmpty() ? 100 : Math.max(1, (due.peek().slot - System.nanoTime()) / 1_000_000);
                selector.select(Math.min(wait, 100));
                var keys = selector.selectedKeys();
                for (SelectionKey k : keys) {
                    Peer p = (Peer) k.attachment();
                    if (k.isValid() && k.isReadable()) {
                        read(p);
                    }
                }
                keys.clear();
                // Answers that never come: an agent's read timeout.
                long checked = System.nanoTime();
                inFlight.removeIf(p -> {
                    if (!p.waiting) {
                        return true;
                    }
                    if (checked - p.sentAt > TIMEOUT) {
                        p.waiting = false;
                        close(p);
                        listener.failed(p.node, "no answer in 10 s");
                        next(p);
                        return true;
                    }
                    return false;
                });
            }
        } catch (IOException e) {
            listener.failed(null, "selector: " + e);
        } finally {
            for (SelectionKey k : selector.keys()) {
                close((Peer) k.attachment());
            }
            try {
                selector.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    private void send(Peer p, long now) {
        byte[] b;
        try {
            b = body.apply(p.node);
        } catch (RuntimeException e) {
            listener.failed(p.node, "report not written: " + e);
            next(p);
            return;
        }
        byte[] head = ("POST " + Protocol.REPORT_PATH + " HTTP/1.1\r\nHost: " + host
                + "\r\nContent-Type: application/json\r\nContent-Length: " + b.length + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
        p.request = new byte[head.length + b.length];
        System.arraycopy(head, 0, p.request, 0, head.length);
        System.arraycopy(b, 0, p.request, head.length, b.length);
        p.in.clear();
        p.sentAt = System.nanoTime();
        p.retried = false;
        p.waiting = write(p) || (reconnect(p) && write(p));
        if (!p.waiting) {
            listener.failed(p.node, "could not send the report");
            next(p);
        }
    }

    /** Writes the whole request (a report fits a socket buffer); false if the connection is unusable. */
    private boolean write(Peer p) {
        try {
            if (p.channel == null && !connect(p)) {
                return false;
            }
            ByteBuffer out = ByteBuffer.wrap(p.request);
            long giveUp = System.nanoTime() + TIMEOUT;
            while (out.hasRemaining()) {
                if (p.channel.write(out) == 0) {
                    if (System.nanoTime() > giveUp) {
                        return false;
                    }
                    Thread.onSpinWait();
                }
            }
            return true;
        } catch (IOException e) {
            close(p);
            return false;
        }
    }

    /**
     * A keep-alive connection the server closed meanwhile: the request goes again, once, on a new one, as
     * HttpURLConnection does. False if the connection was new (a real failure).
     */
    private boolean reconnect(Peer p) {
        if (!p.reused || p.retried) {
            return false;
        }
        p.retried = true;
        close(p);
        return true;
    }

    private boolean connect(Peer p) {
        try {
            SocketChannel c = SocketChannel.open();
            c.setOption(StandardSocketOptions.TCP_NODELAY, true);
            c.socket().connect(address, 2000);
            c.configureBlocking(false);
            p.channel = c;
            p.key = c.register(selector, SelectionKey.OP_READ, p);
            p.reused = false;
            if (p.connectedBefore) {
                reconnects++;
            }
            p.connectedBefore = true;
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private void read(Peer p) {
        try {
            if (!p.in.hasRemaining()) {
                ByteBuffer bigger = ByteBuffer.allocate(p.in.capacity() * 2);
                p.in.flip();
                bigger.put(p.in);
                p.in = bigger;
            }
            int n = p.channel.read(p.in);
            if (n < 0) {
                close(p);
                if (p.waiting && p.in.position() == 0 && reconnect(p) && write(p)) {
                    return;
                }
                if (p.waiting) {
                    p.waiting = false;
                    listener.failed(p.node, "connection closed before the answer");
                    next(p);
                }
                return;
            }
            if (!p.waiting) {
                return;
            }
            answerIfWhole(p);
        } catch (IOException e) {
            close(p);
            if (p.waiting) {
                p.waiting = false;
                listener.failed(p.node, e.toString());
                next(p);
            }
        }
    }

    private void answerIfWhole(Peer p) {
        byte[] buf = p.in.array();
        int len = p.in.position();
        int end = indexOf(buf, len, CRLF2);
        if (end < 0) {
            return;
        }
        String head = new String(buf, 0, end, StandardCharsets.ISO_8859_1);
        int status;
        long length = -1;
        boolean close = false;
        String[] lines = head.split("\r\n");
        String[] first = lines[0].split(" ", 3);
        try {
            status = Integer.parseInt(first[1]);
        } catch (RuntimeException e) {
            failAndDrop(p, "not an HTTP answer: " + lines[0]);
            return;
        }
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon < 0) {
                continue;
            }
            String name = lines[i].substring(0, colon).trim();
            String value = lines[i].substring(colon + 1).trim();
            if (name.equalsIgnoreCase("Content-Length")) {
                length = Long.parseLong(value);
            } else if (name.equalsIgnoreCase("Transfer-Encoding")) {
                failAndDrop(p, "answer without a Content-Length (" + value + ")");
                return;
            } else if (name.equalsIgnoreCase("Connection") && value.equalsIgnoreCase("close")) {
                close = true;
            }
        }
        int bodyStart = end + CRLF2.length;
        long total = bodyStart + Math.max(0, length);
        if (len < total) {
            return;
        }
        byte[] body = java.util.Arrays.copyOfRange(buf, bodyStart, (int) total);
        long took = System.nanoTime() - p.sentAt;
        p.waiting = false;
        p.reused = true;
        p.in.clear();
        if (close) {
            close(p);
        }
        listener.answered(p.node, status, body, took, Math.max(0, p.sentAt - p.slot));
        next(p);
    }

    private void failAndDrop(Peer p, String why) {
        p.waiting = false;
        close(p);
        listener.failed(p.node, why);
        next(p);
    }

    /** The node's next slot: a period on, skipping slots already missed, as an agent's timer would. */
    private void next(Peer p) {
        p.slot += PERIOD;
        long now = System.nanoTime();
        if (p.slot < now) {
            p.slot += ((now - p.slot) / PERIOD + 1) * PERIOD;
        }
        due.add(p);
    }

    private static int indexOf(byte[] b, int len, byte[] pat) {
        outer:
        for (int i = 0; i + pat.length <= len; i++) {
            for (int j = 0; j < pat.length; j++) {
                if (b[i + j] != pat[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static void close(Peer p) {
        if (p == null || p.channel == null) {
            return;
        }
        try {
            p.channel.close();
        } catch (IOException ignored) {
            // closing a dead connection
        }
        p.channel = null;
        p.key = null;
    }
}
