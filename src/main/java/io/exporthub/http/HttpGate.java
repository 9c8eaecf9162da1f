package io.exporthub.http;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

import io.exporthub.ExchangeProperties;
import io.exporthub.OutOfMemoryExit;
import io.exporthub.api.ApiException;
import io.exporthub.api.Envelope;
import io.exporthub.api.Json;
import io.exporthub.api.MinApp;
import io.exporthub.auth.ApiKeys;
import io.exporthub.auth.Principal;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.User;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.StartupListener;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpConstants;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter;

/**
 * The first handler of every HTTP request, on the Vert.x router under platform-http, before any byte
 * of the body is read: the API key is checked (only the moi-key and Authorization: Bearer headers
 * count, never the query string or a form field, which platform-http would also turn into headers),
 * the body is capped by route and counted against what may be held in memory at once. An unknown
 * caller or an oversized body is answered at once, its body never buffered.
 */
public class HttpGate implements StartupListener {

    /** Before every route of platform-http and of the management server. */
    static final int ORDER = -1000;

    /** How big a body may be, per route, and how much of all bodies together may be in memory at once. */
    public record Limits(long maxBody, long maxImportBody, long maxBuffered) {
    }

    private static final Pattern IMPORT = Pattern.compile("/(userve|oserve)/v1/table/[^/]+/import/?");
    /** How long the rest of a refused body is read and dropped before the connection is closed. */
    private static final long LINGER_MILLIS = 3000;
    private static final String KEY_HEADER = "moi-key";
    private static final String MISSING_KEY = "missing API key: send header moi-key or Authorization: Bearer <key>";

    private final ApiKeys keys;
    private final Limits limits;
    private final Path uploads;
    private final HealthEndpoint health;
    private final AtomicLong buffered = new AtomicLong();
    private BodyHandler smallBodies;
    private BodyHandler importBodies;

    /** @param uploads where multipart file parts are written while a request is read (deleted when it ends) */
    public HttpGate(ApiKeys keys, Limits limits, Path uploads, HealthEndpoint health) {
        this.keys = keys;
        this.limits = limits;
        this.uploads = uploads;
        this.health = health;
    }

    @Override
    public void onCamelContextStarted(CamelContext context, boolean alreadyStarted) {
        // The routers exist once the HTTP server has started; none when embedded without HTTP.
        for (VertxPlatformHttpRouter router : context.getRegistry().findByType(VertxPlatformHttpRouter.class)) {
            install(router);
        }
    }

    void install(VertxPlatformHttpRouter router) {
        smallBodies = bodyHandler(limits.maxBody());
        importBodies = bodyHandler(limits.maxImportBody());
        router.route().order(ORDER).handler(this::handle).failureHandler(this::failed);
        health.install(router, ORDER + 1);
        router.vertx().exceptionHandler(OutOfMemoryExit::onUncaught);
    }

    private BodyHandler bodyHandler(long limit) {
        return BodyHandler.create(uploads.toString()).setBodyLimit(limit).setDeleteUploadedFilesOnEnd(true);
    }

    private void handle(RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        String path = ctx.normalizedPath();
        Api api = Api.of(path);
        long cap = cap(request, path);
        long length = contentLength(request);
        String key = key(request);
        if (api.needsKey(path) && key == null) {
            boolean inQuery = request.params().contains(KEY_HEADER) || request.params().contains("Authorization");
            reject(ctx, api, ApiException.unauthorized(inQuery ? MISSING_KEY + " (a key in the query string is not read)" : MISSING_KEY));
            return;
        }
        String contentType = request.getHeader(HttpHeaders.CONTENT_TYPE);
        if (api.needsKey(path) && contentType != null && contentType.toLowerCase(Locale.ROOT).startsWith("application/x-www-form-urlencoded")) {
            reject(ctx, api, new ApiException(415, "ErrParamInvalid", "Content-Type: send the request body as application/json"));
            return;
        }
        if (length > cap) {
            reject(ctx, api, tooLarge(cap));
            return;
        }
        if (!api.needsKey(path)) {
            readBody(ctx, api, cap, length);
            return;
        }
        Optional<Principal> remembered = keys.cached(key);
        if (remembered.isPresent()) {
            admit(ctx, api, cap, length, remembered);
            return;
        }
        // The store is asked off the event loop; the body waits, unread, until the key is known.
        request.pause();
        ctx.vertx().executeBlocking(() -> keys.find(key), false).onComplete(found -> {
            if (found.succeeded()) {
                admit(ctx, api, cap, length, found.result());
            } else {
                reject(ctx, api, new ApiException(503, "ErrUnavailable", "the key could not be checked; try again"));
            }
        });
    }

    private long cap(HttpServerRequest request, String path) {
        boolean isImport = request.method() == HttpMethod.POST && IMPORT.matcher(path).matches();
        return isImport ? limits.maxImportBody() : limits.maxBody();
    }

    private static ApiException tooLarge(long cap) {
        return new ApiException(413, "ErrPayloadTooLarge", "request body: larger than " + cap + " bytes");
    }

    /** A body sent without a length and cut off at the limit gets the API's answer; a client that left, none. */
    private void failed(RoutingContext ctx) {
        if (ctx.failure() instanceof HttpClosedException || ctx.response().closed() || ctx.response().ended()) {
            return; // nobody to answer, and nothing worth a line in the log
        }
        if (ctx.statusCode() == 413 && !ctx.response().headWritten()) {
            reject(ctx, Api.of(ctx.normalizedPath()), tooLarge(cap(ctx.request(), ctx.normalizedPath())));
            return;
        }
        ctx.next();
    }

    private void admit(RoutingContext ctx, Api api, long cap, long length, Optional<Principal> principal) {
        if (principal.isEmpty()) {
            reject(ctx, api, ApiException.unauthorized("unknown API key"));
            return;
        }
        ctx.setUser(User.create(toJson(principal.get())));
        readBody(ctx, api, cap, length);
    }

    /** Reserves the body's bytes (its length, else the cap) from what may be in memory at once, then reads it. */
    private void readBody(RoutingContext ctx, Api api, long cap, long length) {
        HttpServerRequest request = ctx.request();
        String contentType = request.getHeader(HttpHeaders.CONTENT_TYPE);
        boolean chunked = request.headers().contains(HttpHeaders.TRANSFER_ENCODING);
        long held;
        if (contentType != null && contentType.toLowerCase(Locale.ROOT).startsWith("multipart/form-data")) {
            held = Math.min(cap, limits.maxBody()); // file parts go to disk; only the other fields stay in memory
        } else {
            held = length >= 0 ? length : chunked ? cap : 0;
        }
        if (held > 0) {
            if (buffered.addAndGet(held) > limits.maxBuffered()) {
                buffered.addAndGet(-held);
                ctx.response().putHeader("Retry-After", "1");
                reject(ctx, api, new ApiException(503, "ErrBusy", "too many request bodies are being received at once; try again"));
                return;
            }
            ctx.addEndHandler(done -> buffered.addAndGet(-held));
        }
        if (request.version() == HttpVersion.HTTP_2) {
            // Over HTTP/2 the route's own body handler reads the body (it resumes the request, which HTTP/2
            // refuses once the body is read): the length check above and camel.server.maxBodySize bound it.
            ctx.next();
            return;
        }
        (cap == limits.maxImportBody() ? importBodies : smallBodies).handle(ctx);
    }

    /**
     * Answers without keeping the body. Over HTTP/1 the rest of the body is read and dropped for a moment
     * (so that the client, still sending, gets to read the answer), then the connection is closed; HTTP/2
     * ends just this request's stream.
     */
    private static void reject(RoutingContext ctx, Api api, ApiException error) {
        Map<String, Object> body = api == Api.MINAPP ? MinApp.errorBody(error) : Envelope.errorBody(error);
        HttpServerRequest request = ctx.request();
        boolean http1 = request.version() != HttpVersion.HTTP_2;
        if (http1) {
            ctx.response().putHeader(HttpHeaders.CONNECTION, "close");
        }
        ctx.response().setStatusCode(error.status())
                .putHeader(HttpHeaders.CONTENT_TYPE, "application/json; charset=utf-8")
                .end(Json.write(body));
        if (http1) {
            if (request.isEnded()) {
                request.connection().close();
            } else {
                request.handler(dropped -> { }).endHandler(end -> request.connection().close()).resume();
                ctx.vertx().setTimer(LINGER_MILLIS, timer -> request.connection().close());
            }
        }
    }

    /** The key from the request's own headers: {@code moi-key}, else {@code Authorization: Bearer}; null if none. */
    static String key(HttpServerRequest request) {
        String key = request.getHeader(KEY_HEADER);
        if (key == null || key.isBlank()) {
            String authorization = request.getHeader(HttpHeaders.AUTHORIZATION);
            if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
                key = authorization.substring(7);
            }
        }
        return key == null || key.isBlank() ? null : key.trim();
    }

    private static long contentLength(HttpServerRequest request) {
        String value = request.getHeader(HttpHeaders.CONTENT_LENGTH);
        if (value == null) {
            return -1;
        }
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            return Long.MAX_VALUE; // not a length: refused like one too big
        }
    }

    /**
     * The first step of every API route: the caller the gate admitted. The credential headers (and
     * anything of their names that came from the query string or a form) stop here.
     */
    public void authenticated(Exchange exchange) {
        Object user = exchange.getMessage().getHeader(VertxPlatformHttpConstants.AUTHENTICATED_USER);
        exchange.getMessage().removeHeader(VertxPlatformHttpConstants.AUTHENTICATED_USER);
        exchange.getMessage().removeHeader(KEY_HEADER);
        exchange.getMessage().removeHeader("Authorization");
        if (!(user instanceof User admitted) || !admitted.principal().containsKey("exporthub_user_id")) {
            throw ApiException.unauthorized(MISSING_KEY);
        }
        exchange.setProperty(ExchangeProperties.PRINCIPAL, fromJson(admitted.principal()));
    }

    private static JsonObject toJson(Principal p) {
        return new JsonObject().put("exporthub_user_id", p.userId()).put("workspace_id", p.workspaceId())
                .put("user_name", p.userName()).put("email", p.email()).put("admin", p.admin()).put("global", p.global());
    }

    private static Principal fromJson(JsonObject json) {
        return new Principal(json.getLong("exporthub_user_id"), json.getLong("workspace_id"), json.getString("user_name"),
                json.getString("email"), json.getBoolean("admin"), json.getBoolean("global"));
    }

    /** Which API a path belongs to: its errors are written in that API's shape. */
    enum Api {
        MOI, MINAPP, OTHER;

        static Api of(String path) {
            if (path.startsWith("/byoa/api/v1/")) {
                return MOI;
            }
            return path.startsWith("/userve/") || path.startsWith("/oserve/") ? MINAPP : OTHER;
        }

        boolean needsKey(String path) {
            return this != OTHER && !path.equals("/byoa/api/v1/openapi.json");
        }
    }
}
