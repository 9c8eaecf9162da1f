package io.exporthub.console;

import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.regex.Pattern;

import org.apache.camel.Exchange;
import org.apache.camel.Message;

/**
 * Serves the web console's static files from the jar ({@code exporthub/console/}). The console is
 * a client of the public API like any other: this class hands out files, never data, and takes no key.
 */
public class ConsoleAssets {

    public static final String PATH = "/console/";
    private static final String ROOT = "exporthub/console/";
    /** Only plain file names of known types: no dots to climb out, no other classpath resource reachable. */
    private static final Pattern NAME = Pattern.compile("[a-z0-9-]{1,64}\\.(html|js|css|svg)");
    private static final Map<String, String> TYPES = Map.of(
            "html", "text/html; charset=utf-8",
            "js", "text/javascript; charset=utf-8",
            "css", "text/css; charset=utf-8",
            "svg", "image/svg+xml");
    /**
     * Scripts, styles and calls only from this origin, no inline script, no framing: a value that
     * slipped into the page as markup could not run, nor send the key elsewhere.
     */
    static final String CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    private final ClassLoader loader = ConsoleAssets.class.getClassLoader();

    /** {@code /} and {@code /console} lead to the console, whose relative links need the trailing slash. */
    public void redirect(Exchange exchange) {
        Message message = exchange.getMessage();
        message.removeHeaders("*");
        message.setHeader(Exchange.HTTP_RESPONSE_CODE, 302);
        message.setHeader("Location", PATH);
        message.setBody(null);
    }

    public void serve(Exchange exchange) throws IOException {
        Message message = exchange.getMessage();
        String uri = message.getHeader(Exchange.HTTP_URI, String.class);
        String path = uri == null ? "" : uri.replaceFirst("[?#].*$", "");
        if (!path.startsWith(PATH)) {
            redirect(exchange);
            return;
        }
        String name = path.substring(PATH.length());
        if (name.isEmpty()) {
            name = "index.html";
        }
        message.removeHeaders("*");
        securityHeaders(message);
        InputStream in = NAME.matcher(name).matches() ? loader.getResourceAsStream(ROOT + name) : null;
        if (in == null) {
            message.setHeader(Exchange.HTTP_RESPONSE_CODE, 404);
            message.setHeader(Exchange.CONTENT_TYPE, "text/plain; charset=utf-8");
            message.setBody("not found");
            return;
        }
        try (in) {
            message.setBody(in.readAllBytes());
        }
        message.setHeader(Exchange.HTTP_RESPONSE_CODE, 200);
        message.setHeader(Exchange.CONTENT_TYPE, TYPES.get(name.substring(name.lastIndexOf('.') + 1)));
        // a new version of the service serves new files: the browser asks again each time
        message.setHeader("Cache-Control", "no-cache");
    }

    private static void securityHeaders(Message message) {
        message.setHeader("Content-Security-Policy", CONTENT_SECURITY_POLICY);
        message.setHeader("X-Content-Type-Options", "nosniff");
        message.setHeader("Referrer-Policy", "no-referrer");
        message.setHeader("X-Frame-Options", "DENY");
    }
}
