package io.exporthub.connector;

import java.util.LinkedHashMap;
import java.util.Map;

import io.exporthub.api.Times;

/** A named endpoint with credentials that tasks deliver to. {@code config} holds secrets: see {@link #publicView()}. */
public record Connector(long id, long workspaceId, String name, ConnectorKind kind, Map<String, String> config, long createdAt) {

    public String setting(String name) {
        String value = config.get(name);
        if (value != null) {
            return value;
        }
        return kind.settings().stream().filter(s -> s.name().equals(name)).findFirst()
                .map(ConnectorKind.Setting::defaultValue).orElse(null);
    }

    /** The connector as the API shows it: every setting but the secrets. */
    public Map<String, Object> publicView() {
        Map<String, Object> shown = new LinkedHashMap<>();
        for (ConnectorKind.Setting setting : kind.settings()) {
            if (!setting.secret() && setting(setting.name()) != null) {
                shown.put(setting.name(), setting(setting.name()));
            }
        }
        if (shown.containsKey("url")) {
            // a URL is shown as rebuilt from its checked parts: one stored before they were checked may hold a password
            try {
                shown.put("url", JdbcAddress.parse(setting("url")).shown());
            } catch (JdbcAddress.Invalid e) {
                shown.put("url", "(refused: " + e.getMessage() + ")");
            }
        }
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("id", id);
        view.put("name", name);
        view.put("kind", kind.id());
        view.put("config", shown);
        view.put("create_time", Times.iso(createdAt));
        return view;
    }

    @Override
    public String toString() {
        // Never print the config: it holds secrets.
        return "Connector[" + id + " " + kind.id() + " '" + name + "']";
    }
}
