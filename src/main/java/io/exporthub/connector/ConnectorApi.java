package io.exporthub.connector;

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
