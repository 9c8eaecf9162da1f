package io.exporthub.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Secrets at rest (connectors' keys and passwords): AES-256-GCM through the JDK. A stored value is
 * {@code enc:v1:<key id>:<base64 of IV and ciphertext>}, the key id being the start of the key's
 * SHA-256, so that keys can be rotated: values under a previous key are still read, and are written
 * again under the current one. The setting's name is bound to its ciphertext (associated data), so a
 * value cannot be moved to another setting.
 */
public final class Secrets {

    private static final String PREFIX = "enc:v1:";
    private static final int IV_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String currentId;
    private final Map<String, SecretKeySpec> keys = new LinkedHashMap<>();

    /** The current key first, then previous ones, each 32 bytes in base64. */
    public Secrets(String currentKey, List<String> previousKeys) {
        this.currentId = add("exporthub.secrets.key", currentKey);
        for (String previous : previousKeys) {
            add("exporthub.secrets.previous-keys", previous);
        }
    }

    /**
     * The keys from configuration; with no current key configured, the one kept in {@code keyFile},
     * made on the first start (32 random bytes, readable by the owner only).
     */
    public static Secrets configured(String key, String previousKeys, Path keyFile) {
        List<String> previous = previousKeys == null || previousKeys.isBlank() ? List.of()
                : List.of(previousKeys.trim().split("\\s*,\\s*"));
        return new Secrets(key == null || key.isBlank() ? keyFromFile(keyFile) : key.trim(), previous);
    }

    private static String keyFromFile(Path keyFile) {
        try {
            if (!Files.exists(keyFile)) {
                Path parent = keyFile.toAbsolutePath().getParent();
                Files.createDirectories(parent);
                byte[] key = new byte[32];
                RANDOM.nextBytes(key);
                try {
                    Files.createFile(keyFile, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                    Files.writeString(keyFile, Base64.getEncoder().encodeToString(key) + "\n");
                } catch (FileAlreadyExistsException raced) {
                    // another process made it first: read theirs
                } catch (UnsupportedOperationException noPosix) {
                    Files.writeString(keyFile, Base64.getEncoder().encodeToString(key) + "\n");
                }
            }
            return Files.readString(keyFile).trim();
        } catch (IOException e) {
            throw new UncheckedIOException("the secrets key file " + keyFile + " cannot be made or read", e);
        }
    }

    private String add(String setting, String base64) {
        byte[] key;
        try {
            key = Base64.getDecoder().decode(base64.trim());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(setting + ": a key is 32 bytes in base64 (e.g. openssl rand -base64 32)");
        }
        if (key.length != 32) {
            throw new IllegalArgumentException(setting + ": a key is 32 bytes in base64 (e.g. openssl rand -base64 32), not "
                    + key.length + " bytes");
        }
        String id = keyId(key);
        keys.putIfAbsent(id, new SecretKeySpec(key, "AES"));
        return id;
    }

    private static String keyId(byte[] key) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key), 0, 4);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The value encrypted under the current key. */
    public String seal(String name, String plain) {
        try {
            byte[] iv = new byte[IV_BYTES];
            RANDOM.nextBytes(iv);
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, keys.get(currentId), new GCMParameterSpec(TAG_BITS, iv));
            cipher.updateAAD(name.getBytes(StandardCharsets.UTF_8));
            byte[] sealed = cipher.doFinal(plain.getBytes(StandardCharsets.UTF_8));
            ByteBuffer out = ByteBuffer.allocate(iv.length + sealed.length).put(iv).put(sealed);
            return PREFIX + currentId + ":" + Base64.getEncoder().encodeToString(out.array());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot encrypt a secret", e);
        }
    }

    /** The plain value; a value stored before secrets were encrypted is returned as it is. */
    public String open(String name, String stored) {
        if (!stored.startsWith(PREFIX)) {
            return stored;
        }
        String[] parts = stored.substring(PREFIX.length()).split(":", 2);
        SecretKeySpec key = keys.get(parts[0]);
        if (key == null || parts.length < 2) {
            throw new IllegalStateException("secret '" + name + "' is encrypted under key " + parts[0]
                    + ", which is neither exporthub.secrets.key nor in exporthub.secrets.previous-keys");
        }
        try {
            byte[] data = Base64.getDecoder().decode(parts[1]);
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, data, 0, IV_BYTES));
            cipher.updateAAD(name.getBytes(StandardCharsets.UTF_8));
            return new String(cipher.doFinal(data, IV_BYTES, data.length - IV_BYTES), StandardCharsets.UTF_8);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IllegalStateException("secret '" + name + "' cannot be decrypted with key " + parts[0], e);
        }
    }

    /** Whether a stored value is to be written again: plain, or under a previous key. */
    public boolean stale(String stored) {
        return !stored.startsWith(PREFIX + currentId + ":");
    }
}
