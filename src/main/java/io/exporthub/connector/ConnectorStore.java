package io.exporthub.connector;

import java.net.URI;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import com.fasterxml.jackson.core.type.TypeReference;
import io.exporthub.api.ApiException;
import io.exporthub.api.Json;
import io.exporthub.api.RequestField;
import io.exporthub.pipeline.PermanentDeliveryException;
import io.exporthub.sink.local.LocalTargetRoot;
import io.exporthub.store.Database;
import io.exporthub.store.Secrets;

/** Connectors of each workspace, validated against their kind's settings before they are stored. */
public class ConnectorStore {

    private static final TypeReference<Map<String, String>> CONFIG = new TypeReference<>() {
    };

    private final Database db;
    private final LocalTargetRoot localTargetRoot;
    private final Secrets secrets;
    private final List<Consumer<Connector>> onDelete = new CopyOnWriteArrayList<>();
    private final Map<Long, Connector> byId = new ConcurrentHashMap<>();

    public ConnectorStore(Database db, Path localTargetRoot, Secrets secrets) {
        this.db = db;
        this.localTargetRoot = new LocalTargetRoot(localTargetRoot);
        this.secrets = secrets;
        sealStaleSecrets();
    }

    /**
     * Secrets stored in plain text (before they were encrypted) or under a previous key are written
     * again under the current key, so that a previous key can be dropped after one start.
     */
    private void sealStaleSecrets() {
        for (var row : db.query("SELECT id, kind, config FROM connectors", rs -> new Object[] {rs.getLong(1), rs.getString(2), rs.getString(3)})) {
            Optional<ConnectorKind> kind = ConnectorKind.of((String) row[1]);
            if (kind.isEmpty()) {
                continue;
            }
            Map<String, String> stored = Json.MAPPER.convertValue(Json.read((String) row[2]), CONFIG);
            boolean stale = kind.get().settings().stream()
                    .anyMatch(s -> s.secret() && stored.get(s.name()) != null && secrets.stale(stored.get(s.name())));
            if (stale) {
                db.update("UPDATE connectors SET config = ? WHERE id = ?", sealed(kind.get(), opened(kind.get(), stored)), row[0]);
            }
        }
    }

    /** The config as stored: its secrets encrypted. */
    private String sealed(ConnectorKind kind, Map<String, String> config) {
        Map<String, String> stored = new LinkedHashMap<>(config);
        for (ConnectorKind.Setting setting : kind.settings()) {
            if (setting.secret() && stored.get(setting.name()) != null) {
                stored.put(setting.name(), secrets.seal(setting.name(), stored.get(setting.name())));
            }
        }
        return Json.write(stored);
    }

    private Map<String, String> opened(ConnectorKind kind, Map<String, String> stored) {
        Map<String, String> config = new LinkedHashMap<>(stored);
        for (ConnectorKind.Setting setting : kind.settings()) {
            if (setting.secret() && config.get(setting.name()) != null) {
                config.put(setting.name(), secrets.open(setting.name(), config.get(setting.name())));
            }
        }
        return config;
    }

    public void onDelete(Consumer<Connector> listener) {
        onDelete.add(listener);
    }

    public LocalTargetRoot localTargetRoot() {
        return localTargetRoot;
    }

    /** Validates and stores a connector from the API; answers its id. */
    public long create(long workspaceId, RequestField body) {
        body.allowOnly("name", "kind", "config");
        String name = body.get("name").requiredText(128);
        RequestField kindField = body.get("kind");
        String kindId = kindField.requiredText(16);
        ConnectorKind kind = ConnectorKind.of(kindId)
                .orElseThrow(() -> kindField.invalid("unknown kind '" + kindId + "' (expected one of " + ConnectorKind.ids() + ")"));
        Map<String, String> config = validate(workspaceId, kind, body.get("config").requiredObject());
        if (findByName(workspaceId, name).isPresent()) {
            throw ApiException.conflict("name: a connector named '" + name + "' already exists in this workspace");
        }
        return db.insert("INSERT INTO connectors (workspace_id, name, kind, config, created_at) VALUES (?, ?, ?, ?, ?)",
                workspaceId, name, kind.id(), sealed(kind, config), System.currentTimeMillis());
    }

    /** Creates or replaces a connector declared in configuration. */
    public void upsert(long workspaceId, String name, ConnectorKind kind, Map<String, String> settings) {
        Map<String, String> config = validate(workspaceId, kind, new RequestField(Json.MAPPER.valueToTree(settings), "exporthub.connector." + name));
        byId.clear();
        if (findByName(workspaceId, name).isPresent()) {
            db.update("UPDATE connectors SET kind = ?, config = ? WHERE workspace_id = ? AND name = ?",
                    kind.id(), sealed(kind, config), workspaceId, name);
        } else {
            db.insert("INSERT INTO connectors (workspace_id, name, kind, config, created_at) VALUES (?, ?, ?, ?, ?)",
                    workspaceId, name, kind.id(), sealed(kind, config), System.currentTimeMillis());
        }
    }

    Map<String, String> validate(long workspaceId, ConnectorKind kind, RequestField config) {
        config.allowOnly(kind.settings().stream().map(ConnectorKind.Setting::name).toArray(String[]::new));
        Map<String, String> values = new LinkedHashMap<>();
        for (ConnectorKind.Setting setting : kind.settings()) {
            RequestField field = config.get(setting.name());
            if (!field.present()) {
                if (setting.required()) {
                    throw field.invalid("is required for a " + kind.id() + " connector");
                }
                continue;
            }
            if (!field.node().isValueNode()) {
                throw field.invalid("must be a string, number or boolean");
            }
            String value = field.node().asText();
            if (!setting.mayBeEmpty() && value.isBlank()) {
                throw field.invalid("must not be empty");
            }
            values.put(setting.name(), value);
        }
        checkValues(workspaceId, kind, config, values);
        return values;
    }

    /** A true/false setting, when given, is exactly true or false. */
    private static void requireFlag(RequestField config, Map<String, String> values, String name) {
        String value = values.get(name);
        if (value != null && !value.equals("true") && !value.equals("false")) {
            throw config.get(name).invalid("must be true or false");
        }
    }

    private void checkValues(long workspaceId, ConnectorKind kind, RequestField config, Map<String, String> values) {
        switch (kind) {
            case S3, OSS -> {
                String endpoint = values.get("endpoint");
                if (endpoint != null && !endpoint.isBlank()) {
                    requireHttpUrl(config.get("endpoint"), endpoint);
                }
                requireFlag(config, values, "path_style");
                requireFlag(config, values, "sign_payload");
                String bucket = values.get("bucket_name").split("/", 2)[0];
                if (!bucket.matches("[a-z0-9][a-z0-9.\\-]{1,61}[a-z0-9]")) {
                    throw config.get("bucket_name").invalid("'" + bucket + "' is not a valid bucket name");
                }
            }
            case DIFY -> {
                requireHttpUrl(config.get("api_url"), values.get("api_url"));
                if (URI.create(values.get("api_url")).getRawQuery() != null) {
                    throw config.get("api_url").invalid("must be a base URL without a query, e.g. https://api.dify.ai/v1");
                }
                String technique = values.get("indexing_technique");
                if (technique != null && !technique.equals("high_quality") && !technique.equals("economy")) {
                    throw config.get("indexing_technique").invalid("must be high_quality or economy");
                }
                requireFlag(config, values, "wait_for_indexing");
                String concurrency = values.get("max_concurrency");
                if (concurrency != null && !concurrency.matches("[1-9][0-9]?")) {
                    throw config.get("max_concurrency").invalid("must be an integer between 1 and 99");
                }
            }
            case MATRIXONE -> {
                String url = values.get("url");
                if (url == null && values.get("host") == null) {
                    throw config.get("url").invalid("is required when host is not given");
                }
                try {
                    JdbcAddress address = JdbcAddress.of(url, values.get("host"), values.getOrDefault("port", "6001"));
                    if (url != null) {
                        // kept as rebuilt from its parts: what is stored and shown is what the driver is given
                        values.put("url", address.shown());
                    }
                } catch (JdbcAddress.Invalid e) {
                    throw config.get(e.setting()).invalid(e.getMessage());
                }
                String dialect = values.getOrDefault("dialect", "matrixone");
                if (!dialect.equals("matrixone") && !dialect.equals("mysql")) {
                    throw config.get("dialect").invalid("must be matrixone or mysql");
                }
            }
            case LOCAL -> {
                try {
                    values.put("directory", localTargetRoot.checkDirectory(workspaceId, values.get("directory")));
                } catch (LocalTargetRoot.Refused e) {
                    throw config.get("directory").invalid(e.getMessage());
                }
            }
        }
    }

    private static void requireHttpUrl(RequestField field, String value) {
        try {
            URI uri = URI.create(value);
            if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
                throw field.invalid("must be an http(s) URL");
            }
        } catch (IllegalArgumentException e) {
            throw field.invalid("is not a URL: " + e.getMessage());
        }
    }

    public Optional<Connector> find(long workspaceId, long id) {
        return db.queryOne("SELECT * FROM connectors WHERE workspace_id = ? AND id = ?", this::map, workspaceId, id);
    }

    /**
     * For the pipeline, which works across workspaces: the task already scoped the connector. Read once
     * and kept: a connector changes only by a declared upsert (at start) or a delete, which is refused
     * while a running task uses it.
     */
    public Connector get(long id) {
        Connector known = byId.get(id);
        if (known != null) {
            return known;
        }
        Connector connector = db.queryOne("SELECT * FROM connectors WHERE id = ?", this::map, id)
                .orElseThrow(() -> new PermanentDeliveryException("connector " + id + " no longer exists"));
        byId.put(id, connector);
        return connector;
    }

    public Optional<Connector> findByName(long workspaceId, String name) {
        return db.queryOne("SELECT * FROM connectors WHERE workspace_id = ? AND name = ?", this::map, workspaceId, name);
    }

    public List<Connector> list(long workspaceId) {
        return db.query("SELECT * FROM connectors WHERE workspace_id = ? ORDER BY id", this::map, workspaceId);
    }

    /** Every connector of every workspace, for operators' health checks. */
    public List<Connector> all() {
        return db.query("SELECT * FROM connectors ORDER BY id", this::map);
    }

    public void delete(long workspaceId, long id) {
        Connector connector = find(workspaceId, id)
                .orElseThrow(() -> ApiException.notFound("id: no connector " + id + " in this workspace"));
        long running = db.query("SELECT targets FROM export_tasks WHERE workspace_id = ? AND status = 1 AND deleted = 0",
                        rs -> Json.read(rs.getString(1)), workspaceId).stream()
                .filter(targets -> targets.findValues("connector_id").stream().anyMatch(c -> c.asLong() == id))
                .count();
        if (running > 0) {
            throw ApiException.conflict("id: connector " + id + " is used by " + running + " running task(s); delete or finish them first");
        }
        db.update("DELETE FROM connectors WHERE id = ?", id);
        byId.remove(id);
        onDelete.forEach(listener -> listener.accept(connector));
    }

    private Connector map(ResultSet rs) throws SQLException {
        ConnectorKind kind = ConnectorKind.of(rs.getString("kind")).orElseThrow();
        Map<String, String> config = opened(kind, Json.MAPPER.convertValue(Json.read(rs.getString("config")), CONFIG));
        return new Connector(rs.getLong("id"), rs.getLong("workspace_id"), rs.getString("name"), kind, config, rs.getLong("created_at"));
    }
}
