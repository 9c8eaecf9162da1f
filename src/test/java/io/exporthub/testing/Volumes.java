package io.exporthub.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Random;

/** Writes source files into a test volume and fingerprints bytes. */
public final class Volumes {

    private Volumes() {
    }

    /** A raw file of {@code size} pseudo-random bytes (seeded, so reruns write the same bytes). */
    public static Path raw(Path volume, String relative, long size, long seed) throws IOException {
        Path file = volume.resolve(relative);
        Files.createDirectories(file.getParent());
        Random random = new Random(seed);
        byte[] chunk = new byte[1 << 20];
        try (OutputStream out = Files.newOutputStream(file)) {
            for (long written = 0; written < size; written += chunk.length) {
                random.nextBytes(chunk);
                out.write(chunk, 0, (int) Math.min(chunk.length, size - written));
            }
        }
        return file;
    }

    /** A processing result at {@code .parsed/<relative>.json}: a title and {@code blocks} text blocks. */
    public static Path parsed(Path volume, String relative, int blocks) throws IOException {
        Path file = volume.resolve(".parsed").resolve(relative + ".json");
        Files.createDirectories(file.getParent());
        StringBuilder json = new StringBuilder("{\"filename\":\"" + Path.of(relative).getFileName() + "\",\"filetype\":\"pdf\",\"block_count\":"
                + (blocks + 1) + ",\"blocks\":[{\"id\":\"t\",\"index\":1,\"type\":\"title\",\"content\":\"Title of " + relative
                + "\",\"page_number\":1,\"level\":\"h1\"}");
        for (int i = 0; i < blocks; i++) {
            json.append(",{\"id\":\"b").append(i).append("\",\"index\":").append(i + 2)
                    .append(",\"type\":\"text\",\"content\":\"Block ").append(i).append(" of ").append(relative)
                    .append("\",\"page_number\":1}");
        }
        Files.writeString(file, json.append("]}").toString());
        return file;
    }

    public static String sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return sha256(in);
        }
    }

    public static String sha256(InputStream in) throws IOException {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
