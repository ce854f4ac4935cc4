package dev.glean.sim.swarm;

import dev.glean.core.error.ErrorCode;
import dev.glean.core.error.GleanException;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * One HTTP/1.1 keep-alive connection, as one agent's HttpURLConnection holds it: a simulated node owns one for its
 * reports and one for its long-poll, so the controller sees as many sockets as it would from that many agents
 * (one JDK keep-alive cache in this JVM would share five). A request on a reused connection the server closed
 * meanwhile is sent again once on a new one, as HttpURLConnection does after its stale-connection probe.
 */
final class AgentConnection implements AutoCloseable {
    /** A status and a body; the body is only read for 200. */
    record Response(int status, byte[] body) {}

    private final InetSocketAddress address;
    private final String host;
    private Socket socket;
    private InputStream in;
    private OutputStream out;
    private long reconnects;

    AgentConnection(InetSocketAddress address) {
        this.address = address;
        this.host = address.getHostString() + ":" + address.getPort();
    }

    /** New connections made after the first one: where the server closed an idle connection. */
    long reconnects() {
        return reconnects;
    }

    Response exchange(String method, String target, byte[] body, int timeoutMillis) throws IOException {
        boolean reused = socket != null;
        if (reused) {
            try {
                return once(method, target, body, timeoutMillis);
            } catch (IOException stale) {
                close();
                reconnects++;
            }
        }
        try {
            return once(method, target, body, timeoutMillis);
        } catch (IOException e) {
            close();
            throw e;
        }
    }

    private Response once(String method, String target, byte[] body, int timeoutMillis) throws IOException {
        if (socket == null) {
            Socket s = new Socket();
            s.setTcpNoDelay(true);
            s.connect(address, 2000);
            socket = s;
            in = new BufferedInputStream(s.getInputStream(), 8192);
            out = s.getOutputStream();
        }
        socket.setSoTimeout(timeoutMillis);
        StringBuilder head = new StringBuilder(160).append(method).append(' ').append(target).append(" HTTP/1.1\r\nHost: ")
                .append(host).append("\r\n");
        if (body != null) {
            head.append("Content-Type: application/json\r\nContent-Length: ").append(body.length).append("\r\n");
        }
        head.append("\r\n");
        byte[] h = head.toString().getBytes(StandardCharsets.ISO_8859_1);
        if (body != null && h.length + body.length <= 64 * 1024) {
            byte[] all = new byte[h.length + body.length];
            System.arraycopy(h, 0, all, 0, h.length);
            System.arraycopy(body, 0, all, h.length, body.length);
            out.write(all);
        } else {
            out.write(h);
            if (body != null) {
                out.write(body);
            }
        }
        out.flush();
        return readResponse();
    }

    private Response readResponse() throws IOException {
        String status = line();
        if (status == null) {
            throw new EOFException("connection closed before the answer");
        }
        String[] parts = status.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
            throw new IOException("not an HTTP answer: " + status);
        }
        int code = Integer.parseInt(parts[1]);
        long length = -1;
        boolean chunked = false;
        boolean close = false;
        String l;
        while ((l = line()) != null && !l.isEmpty()) {
            int colon = l.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String name = l.substring(0, colon).trim();
            String value = l.substring(colon + 1).trim();
            if (name.equalsIgnoreCase("Content-Length")) {
                length = Long.parseLong(value);
            } else if (name.equalsIgnoreCase("Transfer-Encoding") && value.equalsIgnoreCase("chunked")) {
                chunked = true;
            } else if (name.equalsIgnoreCase("Connection") && value.equalsIgnoreCase("close")) {
                close = true;
            }
        }
        byte[] body;
        if (chunked) {
            body = chunkedBody();
        } else if (length >= 0) {
            body = in.readNBytes((int) length);
            if (body.length != length) {
                throw new EOFException("answer ended after " + body.length + " of " + length + " bytes");
            }
        } else {
            body = new byte[0];
        }
        if (close) {
            close();
        }
        return new Response(code, body);
    }

    private byte[] chunkedBody() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        while (true) {
            String size = line();
            if (size == null) {
                throw new EOFException("chunked answer cut short");
            }
            int n = Integer.parseInt(size.split(";", 2)[0].trim(), 16);
            if (n == 0) {
                line();
                return b.toByteArray();
            }
            b.write(in.readNBytes(n));
            line();
        }
    }

    /** One header line without its CRLF, or null at the end of the stream. */
    private String line() throws IOException {
        StringBuilder sb = new StringBuilder(64);
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') {
                int len = sb.length();
                if (len > 0 && sb.charAt(len - 1) == '\r') {
                    sb.setLength(len - 1);
                }
                return sb.toString();
            }
            sb.append((char) c);
            if (sb.length() > 16 * 1024) {
                throw new GleanException(ErrorCode.MALFORMED_REQUEST, "answer header line over 16 KiB");
            }
        }
        return sb.isEmpty() ? null : sb.toString();
    }

    @Override
    public void close() {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing a dead connection: nothing to do
            }
        }
        socket = null;
        in = null;
        out = null;
    }
}
