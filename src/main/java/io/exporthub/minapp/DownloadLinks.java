package io.exporthub.minapp;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import io.exporthub.store.Database;

/**
 * Signed, expiring links to export files: {@code <public-url>/exports/<job_id>/<file>?expires=<unix s>&signature=<hex>},
 * signature = HMAC-SHA256 over job, file and expiry. The key comes from configuration, else one is
 * generated once and kept in the database, so that links survive a restart.
 */
public class DownloadLinks {

    private final byte[] key;
    private final String publicUrl;

    public DownloadLinks(Database db, String configuredSecret, String publicUrl) {
        this.publicUrl = publicUrl.endsWith("/") ? publicUrl.substring(0, publicUrl.length() - 1) : publicUrl;
        String secret = configuredSecret;
        if (secret == null || secret.isBlank()) {
            secret = db.queryOne("SELECT secret FROM service_secrets WHERE name = 'download-links'", rs -> rs.getString(1))
                    .orElseGet(() -> {
                        byte[] bytes = new byte[32];
                        new SecureRandom().nextBytes(bytes);
                        String generated = HexFormat.of().formatHex(bytes);
                        db.update("INSERT INTO service_secrets (name, secret) VALUES ('download-links', ?)", generated);
                        return generated;
                    });
        }
        this.key = secret.getBytes(StandardCharsets.UTF_8);
    }

    public String url(String jobId, String fileName, long expiresEpochSeconds) {
        return publicUrl + "/exports/" + jobId + "/" + URLEncoder.encode(fileName, StandardCharsets.UTF_8).replace("+", "%20")
                + "?expires=" + expiresEpochSeconds + "&signature=" + sign(jobId, fileName, expiresEpochSeconds);
    }

    /** True when the signature is ours and the link has not expired. */
    public boolean valid(String jobId, String fileName, String expires, String signature) {
        if (expires == null || signature == null || !expires.matches("\\d{1,12}")) {
            return false;
        }
        long at = Long.parseLong(expires);
        byte[] expected = sign(jobId, fileName, at).getBytes(StandardCharsets.US_ASCII);
        boolean same = MessageDigest.isEqual(expected, signature.getBytes(StandardCharsets.US_ASCII));
        return same && at >= System.currentTimeMillis() / 1000;
    }

    String sign(String jobId, String fileName, long expires) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            byte[] digest = mac.doFinal((jobId + "\n" + fileName + "\n" + expires).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException(e);
        }
    }
}
