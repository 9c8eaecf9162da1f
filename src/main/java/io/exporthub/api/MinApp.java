package io.exporthub.api;

import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes MinApp answers (the table API under /userve and /oserve): plain JSON objects, and the one
 * error mapper of that API: {@code {"status": "error", "error_msg": "..."}} with the HTTP status.
 */
public class MinApp {

    private static final Logger LOG = LoggerFactory.getLogger(MinApp.class);

    public void ok(Exchange exchange) {
        write(exchange, 200, exchange.getMessage().getBody());
    }

    public void created(Exchange exchange) {
        write(exchange, 201, exchange.getMessage().getBody());
    }

    /** A new job: {@code {"status": "ok", "job_id": <body>}}, 201. */
    public void job(Exchange exchange) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", "ok");
        body.put("job_id", exchange.getMessage().getBody());
        write(exchange, 201, body);
    }

    public void noContent(Exchange exchange) {
        exchange.getMessage().removeHeaders("*");
        exchange.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, 204);
        exchange.getMessage().setBody(null);
    }

    /** Maps whatever was thrown to a status and a MinApp error; unknown failures are logged, never shown. */
    public void error(Exchange exchange) {
        Throwable cause = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        ApiException api = null;
        for (Throwable c = cause; c != null && api == null; c = c.getCause()) {
            if (c instanceof ApiException e) {
                api = e;
            }
        }
        if (api == null) {
            LOG.error("Unexpected error on {}", exchange.getMessage().getHeader(Exchange.HTTP_URI), cause);
            api = new ApiException(500, "ErrInternal", "internal error; the service log has the details");
        }
        write(exchange, api.status(), errorBody(api));
    }

    /** The body of an error answer, also for the HTTP gate that answers before a route runs. */
    public static Map<String, Object> errorBody(ApiException api) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", "error");
        body.put("error_msg", api.getMessage());
        return body;
    }

    private static void write(Exchange exchange, int status, Object body) {
        exchange.getMessage().removeHeaders("*");
        exchange.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, status);
        exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, "application/json; charset=utf-8");
        exchange.getMessage().setBody(Json.write(body));
    }
}
