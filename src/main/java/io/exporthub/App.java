package io.exporthub;

import org.apache.camel.main.Main;

/** The standalone service: camel-main with our configuration and routes. */
public final class App {

    /** Defaults from the jar, then an {@code application.properties} in the working directory, if any. */
    public static final String PROPERTY_LOCATIONS =
            ExportHubConfiguration.DEFAULTS + ";optional=true,file:application.properties;optional=true";

    private App() {
    }

    public static void main(String[] args) throws Exception {
        Main main = new Main();
        main.setPropertyPlaceholderLocations(PROPERTY_LOCATIONS);
        main.configure().addConfiguration(ExportHubConfiguration.class);
        // camel-main skips environment variables ending in _PORT (it takes them for Kubernetes service
        // links), so the documented CAMEL_SERVER_PORT would move only the health endpoint: apply it here.
        String port = System.getenv("CAMEL_SERVER_PORT");
        if (port != null && !port.isBlank() && System.getProperty("camel.server.port") == null) {
            main.addOverrideProperty("camel.server.port", port.trim());
        }
        main.run(args);
    }
}
