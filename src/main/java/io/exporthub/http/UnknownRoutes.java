package io.exporthub.http;

import java.util.Map;

import io.exporthub.api.ApiException;
import io.exporthub.api.Envelope;
import io.exporthub.api.Json;
import io.exporthub.api.MinApp;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.apache.camel.CamelContext;
import org.apache.camel.StartupListener;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter;

/**
 * Requests no route takes (an unknown path: 404, a known path with another method: 405) answered in
 * the error body of the API the path falls under, instead of the HTTP server's HTML page: MOI
 * envelopes under /byoa/api/v1, MinApp errors under /userve and /oserve, plain JSON elsewhere.
 * Installed once the HTTP server is up; a context without one (embedded without HTTP) is left alone.
 */
public class UnknownRoutes implements StartupListener {

    @Override
    public void onCamelContextStarted(CamelContext context, boolean alreadyStarted) {
        // the server is started with the context: see onCamelContextFullyStarted
    }

    @Override
    public void onCamelContextFullyStarted(CamelContext context, boolean alreadyStarted) {
        // The server's own 404 and 405 come from a router Camel does not expose (ours is mounted
        // under it), so the last route of ours takes whatever no other route took.
        for (VertxPlatformHttpRouter router : context.getRegistry().findByType(VertxPlatformHttpRouter.class)) {
            router.route().last().handler(rc -> {
                if (knownPath(router, rc.request().path())) {
                    answer(rc, 405, "ErrMethodNotAllowed", "method not allowed on this endpoint: ");
                } else {
                    answer(rc, 404, "ErrNotFound", "no such endpoint: ");
                }
            });
        }
    }

    /** Whether a route with a method restriction serves this path (with another method, as it reached us). */
    private static boolean knownPath(Router router, String path) {
        for (Route route : router.getRoutes()) {
            if (route.getPath() != null && !route.methods().isEmpty() && matches(route.getPath(), path)) {
                return true;
            }
        }
        return false;
    }

    /** Vert.x path templates: {@code :name} is one segment, a trailing {@code *} any rest. */
    private static boolean matches(String template, String path) {
        if (template.endsWith("*")) {
            return path.startsWith(template.substring(0, template.length() - 1));
        }
        String[] want = strip(template).split("/", -1);
        String[] got = strip(path).split("/", -1);
        if (want.length != got.length) {
            return false;
        }
        for (int i = 0; i < want.length; i++) {
            boolean param = want[i].startsWith(":") && !got[i].isEmpty();
            if (!param && !want[i].equals(got[i])) {
                return false;
            }
        }
        return true;
    }

    private static String strip(String path) {
        return path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    }

    private static void answer(RoutingContext rc, int status, String code, String what) {
        String path = rc.request().path();
        ApiException error = new ApiException(status, code, what + rc.request().method().name() + " " + path);
        Object body = switch (HttpGate.Api.of(path)) {
            case MOI -> Envelope.errorBody(error);
            case MINAPP -> MinApp.errorBody(error);
            case OTHER -> Map.of("status", status, "error", error.getMessage());
        };
        HttpServerResponse response = rc.response();
        if (!response.ended()) {
            response.setStatusCode(status).putHeader("Content-Type", "application/json; charset=utf-8").end(Json.write(body));
        }
    }
}
