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
 * measured at all. Answers are read with their Content-Length (the controller's answers to reports carry one). With a
 * hold, each report after the first asks the controller to hold its answer until the node's desired state changes or
 * the period passes, as NodeAgent does, and the next report goes out when the answer comes.
 */
final class ReportLoop {
    /** What the loop hands back for each answer, and each failure. */
    interface Listener {
        /** Applies an answer; its desired state, or null when refused or unreadable. */
        dev.glean.core.protocol.DesiredState answered(SimulatedNode node, int status, byte[] body);

        /**
         * A report's latency and how late it went out: for a held report answered at the end of the hold, how late past
         * the hold; a held report answered early with news is not timed.
         */
        void timed(long latencyNanos, long lateNanos);

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
    /** How long the controller may hold an answer for want of news (zero: reports are answered at once). */
    private final long holdNanos;
    private volatile long held;
    private volatile long heldWithNews;
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
        /** The report in flight asked the controller to hold its answer until the node's state passes this. */
        boolean holding;
        long holdingEpoch;
        long holdingVersion;

        Peer(SimulatedNode node, long slot) {
            this.node = node;
            this.slot = slot;
        }
    }

    ReportLoop(InetSocketAddress address, java.util.function.Function<SimulatedNode, byte[]> body, Listener listener,
            java.time.Duration hold) throws IOException {
        this.address = address;
        this.holdNanos = hold.toNanos();
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

    /** Reports sent with a hold, and those of them answered early with new work. */
    long held() {
        return held;
    }

    long heldWithNews() {
        return heldWithNews;
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
                    if (checked - p.sentAt > TIMEOUT + (p.holding ? holdNanos : 0)) {
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
        // Like NodeAgent: once it holds a desired state, each report asks the controller to hold the answer until that
        // state changes or the period passes, so the report connection is the long-poll too.
        dev.glean.core.protocol.DesiredState d = holdNanos > 0 ? p.node.desired() : null;
        p.holding = d != null;
        String path = Protocol.REPORT_PATH;
        if (p.holding) {
            p.holdingEpoch = d.epoch();
            p.holdingVersion = d.version();
            path += "?wait=" + holdNanos / 1_000_000 + "ms&epoch=" + d.epoch() + "&version=" + d.version();
            held++;
        }
        byte[] head = ("POST " + path + " HTTP/1.1\r\nHost: " + host
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
        dev.glean.core.protocol.DesiredState d = listener.answered(p.node, status, body);
        boolean news = !p.holding || d == null || d.epoch() != p.holdingEpoch || d.version() != p.holdingVersion;
        if (p.holding && news) {
            heldWithNews++;
        }
        if (!p.holding) {
            listener.timed(took, Math.max(0, p.sentAt - p.slot));
        } else if (!news) {
            listener.timed(Math.max(0, took - holdNanos), Math.max(0, p.sentAt - p.slot));
        }
        // A held report answered with news is not timed: how long it waited depends on when the news came.
        if (p.holding && (news || took >= holdNanos)) {
            // The hold was the period (or new work came): report again at once, as NodeAgent does.
            p.slot = System.nanoTime();
            due.add(p);
        } else {
            next(p);
        }
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
