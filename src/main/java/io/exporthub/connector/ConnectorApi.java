package io.exporthub.connector;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.exporthub.ExchangeProperties;
import io.exporthub.api.ApiException;
import io.exporthub.api.Json;
import io.exporthub.api.RequestField;
import io.exporthub.auth.Principal;
import org.apache.camel.Body;
import org.apache.camel.ExchangeProperty;

/** The connector endpoints: create, list, info, delete. Secrets go in and never come out. */
public class ConnectorApi {

    private final ConnectorStore connectors;

    public ConnectorApi(ConnectorStore connectors) {
        this.connectors = connectors;
    }

    public long create(@ExchangeProperty(ExchangeProperties.PRINCIPAL) Principal principal, @Body String body) {
        return connectors.create(principal.workspaceId(), request(body));
    }

    public Map<String, Object> list(@ExchangeProperty(ExchangeProperties.PRINCIPAL) Principal principal) {
        List<Map<String, Object>> all = connectors.list(principal.workspaceId()).stream().map(Connector::publicView).toList();
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("connectors", all);
        data.put("total", all.size());
        return data;
    }

    /** Every kind and the settings it takes, so that a client (the console) builds its forms from this one catalogue. */
    public Map<String, Object> kinds() {
        List<Map<String, Object>> kinds = new ArrayList<>();
        for (ConnectorKind kind : ConnectorKind.values()) {
            List<Map<String, Object>> settings = new ArrayList<>();
            for (ConnectorKind.Setting setting : kind.settings()) {
                Map<String, Object> s = new LinkedHashMap<>();
                s.put("name", setting.name());
                s.put("required", setting.required());
                s.put("secret", setting.secret());
                s.put("default", setting.defaultValue());
                s.put("description", setting.description());
                settings.add(s);
            }
            kinds.add(Map.of("kind", kind.id(), "settings", settings));
        }
        return Map.of("kinds", kinds);
    }

    public Map<String, Object> info(@ExchangeProperty(ExchangeProperties.PRINCIPAL) Principal principal, @Body String body) {
        long id = id(body);
        return connectors.find(principal.workspaceId(), id)
                .orElseThrow(() -> ApiException.notFound("id: no connector " + id + " in this workspace"))
                .publicView();
    }

    public void delete(@ExchangeProperty(ExchangeProperties.PRINCIPAL) Principal principal, @Body String body) {
        connectors.delete(principal.workspaceId(), id(body));
    }

    private static long id(String body) {
        RequestField id = request(body).get("id");
        String value = id.optionalId(20);
        if (value == null) {
            throw id.invalid("is required");
        }
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw id.invalid("must be a connector id (an integer)");
        }
    }

    private static RequestField request(String body) {
        return RequestField.root(Json.parse(body, "request body"), "request body");
    }
}
