package io.exporthub.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import io.exporthub.ExchangeProperties;
import io.exporthub.api.ApiException;
import io.exporthub.api.EmailAddress;
import io.exporthub.api.Json;
import io.exporthub.api.RequestField;
import io.exporthub.store.Database;
import org.apache.camel.Body;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * API keys: stored as SHA-256 hashes (keys are random and long, so a plain digest is enough), their
 * owners remembered briefly after a lookup, and minted for new users by an admin (see {@link #create}).
 */
public class ApiKeys {

    public static final String DEFAULT_WORKSPACE = "default";
    /** Header an in-process caller may set to act as a key's owner. */
    public static final String IN_PROCESS_KEY = "ExportHubApiKey";

    private static final Logger LOG = LoggerFactory.getLogger(ApiKeys.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    private static final int CACHE_ENTRIES = 10_000;

    private final Database db;
    private final long cacheTtlNanos;
    private final Map<String, Known> recent = new ConcurrentHashMap<>();

    /** @param cacheTtl how long a key's owner is remembered; zero asks the database on every call */
    public ApiKeys(Database db, Duration cacheTtl) {
        this.db = db;
        this.cacheTtlNanos = cacheTtl.toNanos();
    }

    /** Makes sure the default workspace's admin exists and holds the configured key (or a generated one). */
    public void bootstrap(String configuredKey, String adminEmail) {
        if (EmailAddress.single(adminEmail).isEmpty()) {
            throw new IllegalArgumentException("exporthub.admin-email: must be one e-mail address, not '" + adminEmail + "'");
        }
        long workspaceId = workspaceId(DEFAULT_WORKSPACE);
        long adminId = db.queryOne("SELECT id FROM users WHERE workspace_id = ? AND is_admin = 1 ORDER BY id",
                rs -> rs.getLong(1), workspaceId)
                .orElseGet(() -> db.insert("INSERT INTO users (workspace_id, name, email, is_admin, created_at) VALUES (?, ?, ?, 1, ?)",
                        workspaceId, "admin", adminEmail, System.currentTimeMillis()));
        db.update("UPDATE users SET email = ? WHERE id = ?", adminEmail, adminId);
        if (configuredKey != null && !configuredKey.isBlank()) {
            String hash = hash(configuredKey);
            if (db.queryLong("SELECT COUNT(*) FROM api_keys WHERE key_hash = ?", hash) == 0) {
                db.inTransaction(c -> {
                    Database.update(c, "DELETE FROM api_keys WHERE bootstrap = 1");
                    return Database.update(c, "INSERT INTO api_keys (key_hash, user_id, bootstrap, created_at) VALUES (?, ?, 1, ?)",
                            hash, adminId, System.currentTimeMillis());
                });
            }
        } else if (db.queryLong("SELECT COUNT(*) FROM api_keys") == 0) {
            String generated = newKey();
            db.update("INSERT INTO api_keys (key_hash, user_id, bootstrap, created_at) VALUES (?, ?, 1, ?)",
                    hash(generated), adminId, System.currentTimeMillis());
            // Printed on purpose, once: the only way to reach a fresh install that was given no key.
            LOG.warn("No exporthub.api-key configured: generated the admin key {} (shown once; set EXPORTHUB_API_KEY to choose your own)", generated);
        }
    }

    /** For in-process callers: the owner of the key they pass, or else the default workspace's admin. */
    public void authenticateInProcess(Exchange exchange) {
        String key = exchange.getMessage().getHeader(IN_PROCESS_KEY, String.class);
        exchange.getMessage().removeHeader(IN_PROCESS_KEY);
        Principal principal = key != null
                ? find(key).orElseThrow(() -> ApiException.unauthorized("unknown API key"))
                : defaultAdmin();
        exchange.setProperty(ExchangeProperties.PRINCIPAL, principal);
    }

    public Principal defaultAdmin() {
        return db.queryOne("""
                SELECT u.id, u.workspace_id, u.name, u.email, u.is_admin FROM users u JOIN workspaces w ON w.id = u.workspace_id
                WHERE w.name = ? AND u.is_admin = 1 ORDER BY u.id""",
                rs -> new Principal(rs.getLong(1), rs.getLong(2), rs.getString(3), rs.getString(4), true, true), DEFAULT_WORKSPACE)
                .orElseThrow(() -> new IllegalStateException("the default workspace has no admin"));
    }

    /**
     * The owner of a key. Answers are kept for a short while (every API call asks, and the HTTP gate asks
     * before it reads a body), so that most calls cost no database round trip; unknown keys are not kept.
     */
    public Optional<Principal> find(String key) {
        Optional<Principal> remembered = cached(key);
        if (remembered.isPresent()) {
            return remembered;
        }
        String hash = hash(key);
        Optional<Principal> found = db.queryOne("""
                SELECT u.id, u.workspace_id, u.name, u.email, u.is_admin, k.bootstrap
                FROM api_keys k JOIN users u ON u.id = k.user_id WHERE k.key_hash = ?""",
                rs -> new Principal(rs.getLong(1), rs.getLong(2), rs.getString(3), rs.getString(4), rs.getInt(5) == 1, rs.getInt(6) == 1),
                hash);
        if (found.isPresent() && cacheTtlNanos > 0) {
            if (recent.size() >= CACHE_ENTRIES) {
                recent.clear(); // a crude bound: valid keys are few, and the next calls refill it
            }
            recent.put(hash, new Known(found.get(), System.nanoTime()));
        }
        return found;
    }

    /** The owner of a key if it is remembered, without asking the store: the HTTP gate may ask this on its event loop. */
    public Optional<Principal> cached(String key) {
        Known known = recent.get(hash(key));
        return known != null && System.nanoTime() - known.at() < cacheTtlNanos ? Optional.of(known.principal()) : Optional.empty();
    }

    private record Known(Principal principal, long at) {
    }

    /**
     * Admin only: a new user and its key, returned once. A workspace's admin mints keys in its own
     * workspace; only the global administrator creates workspaces or mints keys in another one.
     */
    public Map<String, Object> create(@ExchangeProperty(ExchangeProperties.PRINCIPAL) Principal caller, @Body String json) {
        // who asks comes first: a user who may not create keys learns nothing from how the body is read
        if (!caller.admin()) {
            throw ApiException.forbidden("only an admin of a workspace may create keys");
        }
        RequestField body = RequestField.root(Json.parse(json, "request body"), "request body");
        String ownWorkspace = db.queryOne("SELECT name FROM workspaces WHERE id = ?", rs -> rs.getString(1), caller.workspaceId())
                .orElseThrow(() -> new IllegalStateException("workspace " + caller.workspaceId() + " is gone"));
        String workspace = body.get("workspace").optionalText(128, ownWorkspace);
        if (!workspace.equals(ownWorkspace) && !caller.global()) {
            throw ApiException.forbidden("workspace: an admin of workspace '" + ownWorkspace
                    + "' creates keys only in it; only the global administrator may create workspaces or keys in another workspace");
        }
        String userName = body.get("user_name").requiredText(128);
        String email = body.get("email").optionalEmail(null);
        boolean admin = body.get("admin").optionalBoolean(false);
        long workspaceId = workspaceId(workspace);
        long userId = db.insert("INSERT INTO users (workspace_id, name, email, is_admin, created_at) VALUES (?, ?, ?, ?, ?)",
                workspaceId, userName, email, admin ? 1 : 0, System.currentTimeMillis());
        String key = newKey();
        db.update("INSERT INTO api_keys (key_hash, user_id, bootstrap, created_at) VALUES (?, ?, 0, ?)",
                hash(key), userId, System.currentTimeMillis());
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("key", key);
        data.put("workspace", workspace);
        data.put("user_name", userName);
        return data;
    }

    private long workspaceId(String name) {
        return db.queryOne("SELECT id FROM workspaces WHERE name = ?", rs -> rs.getLong(1), name)
                .orElseGet(() -> db.insert("INSERT INTO workspaces (name, created_at) VALUES (?, ?)", name, System.currentTimeMillis()));
    }

    static String newKey() {
        byte[] bytes = new byte[24];
        RANDOM.nextBytes(bytes);
        return "ehk_" + HexFormat.of().formatHex(bytes);
    }

    static String hash(String key) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
