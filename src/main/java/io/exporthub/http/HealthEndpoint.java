package io.exporthub.http;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.exporthub.api.Json;
import io.exporthub.auth.ApiKeys;
import io.exporthub.auth.Principal;
import io.exporthub.observe.ConnectorWatch;
import io.exporthub.observe.ConnectorsHealthCheck;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.apache.camel.CamelContext;
import org.apache.camel.health.HealthCheck;
import org.apache.camel.health.HealthCheckHelper;

/**
 * {@code /observe/health} (and {@code /live}, {@code /ready}) in place of the management server's: without
 * a key it says UP or DOWN and nothing else; with a key, the checks, and of the connectors only those of
 * the caller's workspace. Connectors are answered from their background probes, so this is fast.
 */
public class HealthEndpoint {

    static final String PATH = "/observe/health";

    private final CamelContext context;
    private final ApiKeys keys;
    private final ConnectorWatch connectors;

    public HealthEndpoint(CamelContext context, ApiKeys keys, ConnectorWatch connectors) {
        this.context = context;
        this.keys = keys;
        this.connectors = connectors;
    }

    void install(Router router, int order) {
        for (String path : List.of(PATH, PATH + "/live", PATH + "/ready")) {
            router.route(HttpMethod.GET, path).order(order).handler(this::handle);
        }
    }

    private void handle(RoutingContext ctx) {
        String path = ctx.normalizedPath();
        String key = HttpGate.key(ctx.request());
        // the checks ask the store: never on the event loop
        ctx.vertx().executeBlocking(() -> answer(path, key), false).onComplete(answer -> {
            int status = answer.succeeded() ? (Integer) answer.result().remove("http_status") : 503;
            Object body = answer.succeeded() ? answer.result() : Map.of("status", "DOWN");
            ctx.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "application/json; charset=utf-8")
                    .end(Json.write(body));
        });
    }

    private Map<String, Object> answer(String path, String key) {
        Map<String, Object> answer = new LinkedHashMap<>();
        Optional<Principal> caller = key == null ? Optional.empty() : keys.find(key);
        if (key != null && caller.isEmpty()) {
            answer.put("http_status", 401);
            answer.put("msg", "unknown API key");
            return answer;
        }
        boolean readiness = path.endsWith("/ready");
        // "full": every check's result (other levels fold them into one when all are UP)
        Collection<HealthCheck.Result> results = path.endsWith("/live") ? HealthCheckHelper.invokeLiveness(context, "full")
                : readiness ? HealthCheckHelper.invokeReadiness(context, "full") : HealthCheckHelper.invoke(context, "full");
        boolean up = HealthCheckHelper.isResultsUp(results, readiness);
        answer.put("http_status", up ? 200 : 503);
        answer.put("status", up ? "UP" : "DOWN");
        caller.ifPresent(principal -> answer.put("checks", checks(results, principal)));
        return answer;
    }

    private List<Map<String, Object>> checks(Collection<HealthCheck.Result> results, Principal caller) {
        List<Map<String, Object>> checks = new ArrayList<>();
        for (HealthCheck.Result result : results) {
            if (!"exporthub".equals(result.getCheck().getGroup()) && result.getState() == HealthCheck.State.UP) {
                continue; // Camel's own checks (context, each route and consumer) only when they are down
            }
            Map<String, Object> check = new LinkedHashMap<>();
            check.put("name", result.getCheck().getId());
            if (result.getCheck() instanceof ConnectorsHealthCheck) {
                List<String> down = new ArrayList<>();
                Map<String, String> mine = new LinkedHashMap<>();
                for (ConnectorWatch.Status status : connectors.inWorkspace(caller.workspaceId())) {
                    mine.put(status.label(), status.problem() == null ? "UP" : "DOWN: " + status.problem());
                    if (status.problem() != null) {
                        down.add(status.label() + ": " + status.problem());
                    }
                }
                check.put("status", down.isEmpty() ? "UP" : "DOWN");
                if (!down.isEmpty()) {
                    check.put("message", String.join("; ", down));
                }
                check.put("details", mine);
            } else {
                check.put("status", result.getState().name());
                result.getMessage().ifPresent(message -> check.put("message", message));
            }
            checks.add(check);
        }
        return checks;
    }
}
