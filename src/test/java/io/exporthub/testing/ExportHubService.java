package io.exporthub.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import io.exporthub.App;
import io.exporthub.ExportHubConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.main.Main;

/**
 * The real service, started in-process through camel-main with the project's properties and routes,
 * plus test overrides: its own port, store, volume and directories under one folder.
 */
public final class ExportHubService implements AutoCloseable {

    public static final String ADMIN_KEY = "test-admin-key";

    private final Map<String, String> properties;
    private final Path home;
    private Main main;

    private ExportHubService(Path home, Map<String, String> properties) {
        this.home = home;
        this.properties = properties;
    }

    /** Settings for a service living in {@code home}; callers add or replace any. */
    public static Map<String, String> defaults(Path home, TestDatabase db) {
        Map<String, String> props = new LinkedHashMap<>();
        props.put("camel.server.port", String.valueOf(freePort()));
        props.put("exporthub.api-key", ADMIN_KEY);
        props.put("exporthub.volume.root", home.resolve("volume").toString());
        props.put("exporthub.work.dir", home.resolve("work").toString());
        props.put("exporthub.secrets.key-file", home.resolve("secrets.key").toString());
        props.put("exporthub.local-target.root", home.resolve("local-target").toString());
        props.put("exporthub.exports.dir", home.resolve("exports").toString());
        props.put("exporthub.retry.initial-delay", "100");
        props.put("exporthub.retry.max-delay", "1000");
        props.put("exporthub.retry.max-redeliveries", "2");
        props.putAll(db.properties());
        return props;
    }

    public static ExportHubService start(Path home, Map<String, String> properties) throws Exception {
        ExportHubService service = new ExportHubService(home, new LinkedHashMap<>(properties));
        service.start();
        return service;
    }

    public void start() throws Exception {
        Files.createDirectories(home.resolve("volume"));
        main = new Main();
        main.setPropertyPlaceholderLocations(App.PROPERTY_LOCATIONS);
        main.configure().addConfiguration(ExportHubConfiguration.class);
        properties.forEach(main::addOverrideProperty);
        main.start();
    }

    public void stop() throws Exception {
        if (main != null) {
            main.stop();
            main = null;
        }
    }

    public CamelContext context() {
        return main.getCamelContext();
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + properties.get("camel.server.port");
    }

    public ApiClient api() {
        return new ApiClient(baseUrl(), ADMIN_KEY);
    }

    public Path volume() {
        return Path.of(properties.get("exporthub.volume.root"));
    }

    public Path localTargetRoot() {
        return Path.of(properties.get("exporthub.local-target.root"));
    }

    @Override
    public void close() throws Exception {
        stop();
    }

    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
