package com.example.esb;

import io.exporthub.ExportHubConfiguration;
import org.apache.camel.main.Main;

/**
 * An integration application on camel-main that embeds export-hub: its own routes and settings
 * (application.properties), export-hub's beans and routes in the same CamelContext, without
 * export-hub's HTTP API.
 */
public final class EsbApplication {

    private EsbApplication() {
    }

    /** The application, configured and not yet started. */
    public static Main create() {
        Main main = new Main(EsbApplication.class);
        // export-hub's beans, made from the exporthub.* settings; its routes come through
        // camel.main.routesIncludePattern (application.properties)
        main.configure().addConfiguration(ExportHubConfiguration.class);
        return main;
    }

    public static void main(String[] args) throws Exception {
        create().run(args);
    }
}
