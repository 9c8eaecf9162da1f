package io.exporthub.api;

import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Writes MOI envelopes: {@code {"code","msg","data"}} for answers, and the one error mapper of the API. */
public class Envelope {

    private static final Logger LOG = LoggerFactory.getLogger(Envelope.class);

    /** The body becomes {@code data}. */
    public void ok(Exchange exchange) {
        write(exchange, 200, "ok", "ok", exchange.getMessage().getBody());
    }

    /** For endpoints that answer {@code data: null}. */
    public void empty(Exchange exchange) {
        write(exchange, 200, "ok", "ok", null);
    }

    /** {@code data: {"id": <body>}}. */
    public void id(Exchange exchange) {
        write(exchange, 200, "ok", "ok", Map.of("id", exchange.getMessage().getBody()));
    }

    /** Maps whatever was thrown to a status and envelope; unknown failures are logged, never shown. */
    public void error(Exchange exchange) {
        Throwable cause = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        ApiException api = find(cause);
        if (api == null) {
            LOG.error("Unexpected error on {}", exchange.getMessage().getHeader(Exchange.HTTP_URI), cause);
            api = new ApiException(500, "ErrInternal", "internal error; the service log has the details");
        }
        write(exchange, api.status(), api.code(), api.getMessage(), null);
    }

    /** The envelope of an error answer, also for the HTTP gate that answers before a route runs. */
    public static Map<String, Object> errorBody(ApiException api) {
        return envelope(api.code(), api.getMessage(), null);
    }

    private static Map<String, Object> envelope(String code, String msg, Object data) {
        Map<String, Object> envelope = new LinkedHashMap<>();
        envelope.put("code", code);
        envelope.put("msg", msg);
        envelope.put("data", data);
        return envelope;
    }

    private static ApiException find(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof ApiException api) {
                return api;
            }
        }
        return null;
    }

    private static void write(Exchange exchange, int status, String code, String msg, Object data) {
        exchange.getMessage().removeHeaders("*");
        exchange.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, status);
        exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, "application/json; charset=utf-8");
        exchange.getMessage().setBody(Json.write(envelope(code, msg, data)));
    }
}
