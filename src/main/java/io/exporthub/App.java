package io.exporthub;

import org.apache.camel.main.Main;

/** The standalone service: camel-main with our configuration and routes. */
public final class App {

    /** Defaults from the jar, then an {@code application.properties} in the working directory, if any. */
    public static final String PROPERTY_LOCATIONS =
            "classpath:application.properties;optional=true,file:application.properties;optional=true";

    private App() {
    }

    public static void main(String[] args) throws Exception {
        Main main = new Main();
        main.setPropertyPlaceholderLocations(PROPERTY_LOCATIONS);
        main.configure().addConfiguration(ExportHubConfiguration.class);
        main.run(args);
    }
}
