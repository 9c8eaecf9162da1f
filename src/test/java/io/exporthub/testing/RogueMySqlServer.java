package io.exporthub.testing;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A hostile MySQL-protocol server: it accepts any sign-in, then answers every query with a
 * LOAD DATA LOCAL INFILE request (0xFB and a file name of this host) and keeps every byte clients
 * send, so that a test can tell whether a client handed over the file.
 */
public final class RogueMySqlServer implements AutoCloseable {

    private static final int CAPABILITIES = 0x0001 | 0x0002 | 0x0004 | 0x0008 // long password, found rows, long flag, with db
            | 0x0080 | 0x0200 | 0x2000 | 0x8000 // local files, protocol 41, transactions, secure connection
            | 0x20000 | 0x80000; // multi results, plugin auth

    private final ServerSocket socket;
    private final String requestedFile;
    private final ByteArrayOutputStream received = new ByteArrayOutputStream();
    private final AtomicInteger infileRequests = new AtomicInteger();
    private final AtomicInteger logins = new AtomicInteger();
    private final Thread acceptor;
    private volatile boolean hangingUp;

    public RogueMySqlServer(String requestedFile) throws IOException {
        this.requestedFile = requestedFile;
        this.socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.acceptor = new Thread(this::accept, "rogue-mysql");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public int port() {
        return socket.getLocalPort();
    }

    /** How many times a client was asked for the file. */
    public int infileRequests() {
        return infileRequests.get();
    }

    public int logins() {
        return logins.get();
    }

    /** While on, every connection is closed at once, as by a server that is down. */
    public void hangUp(boolean on) {
        hangingUp = on;
    }

    /** Every byte clients sent, as text (file contents would be in it). */
    public String received() {
        synchronized (received) {
            return received.toString(StandardCharsets.ISO_8859_1);
        }
    }

    private void accept() {
        while (!socket.isClosed()) {
            try {
                Socket client = socket.accept();
                if (hangingUp) {
                    client.close();
                    continue;
                }
                Thread serve = new Thread(() -> serve(client), "rogue-mysql-client");
                serve.setDaemon(true);
                serve.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket client) {
        try (client; InputStream in = client.getInputStream(); OutputStream out = client.getOutputStream()) {
            client.setSoTimeout(30_000);
            write(out, 0, handshake());
            read(in); // the handshake response: any user, any password
            logins.incrementAndGet();
            write(out, 2, ok());
            while (true) {
                Packet command = read(in);
                if (command.payload.length == 0 || command.payload[0] == 0x01) { // COM_QUIT
                    return;
                }
                if (command.payload[0] != 0x03) { // not a query (a ping, a reset...): fine
                    write(out, 1, ok());
                    continue;
                }
                infileRequests.incrementAndGet();
                ByteArrayOutputStream request = new ByteArrayOutputStream();
                request.write(0xFB);
                request.writeBytes(requestedFile.getBytes(StandardCharsets.UTF_8));
                write(out, 1, request.toByteArray());
                int seq = 2;
                // the client sends the file in packets and ends with an empty one, or only the empty one
                while (true) {
                    Packet part = read(in);
                    seq = part.seq + 1;
                    if (part.payload.length == 0) {
                        break;
                    }
                }
                write(out, seq, error("no"));
            }
        } catch (IOException e) {
            // the client hung up
        }
    }

    private record Packet(int seq, byte[] payload) {
    }

    private Packet read(InputStream in) throws IOException {
        byte[] header = in.readNBytes(4);
        if (header.length < 4) {
            throw new EOFException();
        }
        int length = (header[0] & 0xFF) | (header[1] & 0xFF) << 8 | (header[2] & 0xFF) << 16;
        byte[] payload = in.readNBytes(length);
        synchronized (received) {
            received.writeBytes(header);
            received.writeBytes(payload);
        }
        if (payload.length < length) {
            throw new EOFException();
        }
        return new Packet(header[3] & 0xFF, payload);
    }

    private static void write(OutputStream out, int seq, byte[] payload) throws IOException {
        out.write(new byte[] {(byte) payload.length, (byte) (payload.length >> 8), (byte) (payload.length >> 16), (byte) seq});
        out.write(payload);
        out.flush();
    }

    private static byte[] handshake() {
        ByteArrayOutputStream p = new ByteArrayOutputStream();
        p.write(10);
        p.writeBytes("8.0.36-rogue\0".getBytes(StandardCharsets.US_ASCII));
        p.writeBytes(new byte[] {1, 0, 0, 0}); // connection id
        p.writeBytes("abcdefgh".getBytes(StandardCharsets.US_ASCII)); // scramble, first part
        p.write(0);
        p.write(CAPABILITIES & 0xFF);
        p.write(CAPABILITIES >> 8 & 0xFF);
        p.write(45); // utf8mb4
        p.writeBytes(new byte[] {2, 0}); // autocommit
        p.write(CAPABILITIES >> 16 & 0xFF);
        p.write(CAPABILITIES >> 24 & 0xFF);
        p.write(21);
        p.writeBytes(new byte[10]);
        p.writeBytes("ijklmnopqrst\0".getBytes(StandardCharsets.US_ASCII)); // scramble, second part
        p.writeBytes("mysql_native_password\0".getBytes(StandardCharsets.US_ASCII));
        return p.toByteArray();
    }

    private static byte[] ok() {
        return new byte[] {0, 0, 0, 2, 0, 0, 0};
    }

    private static byte[] error(String message) {
        ByteArrayOutputStream p = new ByteArrayOutputStream();
        p.write(0xFF);
        p.writeBytes(new byte[] {(byte) 0x7C, 0x04}); // 1148
        p.writeBytes("#42000".getBytes(StandardCharsets.US_ASCII));
        p.writeBytes(message.getBytes(StandardCharsets.US_ASCII));
        return p.toByteArray();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
