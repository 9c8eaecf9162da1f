package io.exporthub.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A TCP relay in front of a server on loopback that notes the method and the value of one header
 * of every request passing through it, to see what a client put on the wire. Bodies are relayed as
 * they are; request heads are looked for in every chunk read from the client, so a body that spells
 * one out would be noted too (test bodies do not).
 */
public final class HeaderTap implements AutoCloseable {

    private final ServerSocket server;
    private final int target;
    private final Pattern header;
    private final Queue<String> seen = new ConcurrentLinkedQueue<>();

    public HeaderTap(int targetPort, String headerName) throws IOException {
        this.target = targetPort;
        this.header = Pattern.compile("(?s)(get|put|post|head|delete) [^ \r\n]+ http/1\\.1\r\n(?:[^\r]*\r\n)*?"
                + Pattern.quote(headerName.toLowerCase(Locale.ROOT)) + ":[ \t]*([^\r]*)\r\n");
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread accept = new Thread(this::accept, "header-tap");
        accept.setDaemon(true);
        accept.start();
    }

    public String endpoint() {
        return "http://127.0.0.1:" + server.getLocalPort();
    }

    /** "method value" of each request that had the header, lower-cased, in the order the requests came. */
    public List<String> values() {
        return List.copyOf(seen);
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Socket upstream = new Socket(InetAddress.getLoopbackAddress(), target);
                relay(client, upstream, true);
                relay(upstream, client, false);
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void relay(Socket from, Socket to, boolean requests) {
        Thread t = new Thread(() -> {
            byte[] buffer = new byte[64 * 1024];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buffer)) > 0) {
                    if (requests) {
                        // ISO-8859-1 maps every byte to one char, so binary bodies cannot break the scan
                        Matcher m = header.matcher(new String(buffer, 0, n, StandardCharsets.ISO_8859_1).toLowerCase(Locale.ROOT));
                        while (m.find()) {
                            seen.add(m.group(1) + " " + m.group(2).trim());
                        }
                    }
                    out.write(buffer, 0, n);
                }
            } catch (IOException e) {
                // one side closed: the other follows
            } finally {
                closeQuietly(from);
                closeQuietly(to);
            }
        }, "header-tap-relay");
        t.setDaemon(true);
        t.start();
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
