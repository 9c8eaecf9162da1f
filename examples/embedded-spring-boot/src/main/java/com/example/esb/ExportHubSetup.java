package com.example.esb;

import java.util.Arrays;

import io.exporthub.ExportHubConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.spi.CamelBeanPostProcessor;
import org.apache.camel.spi.PropertiesComponent;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.spring.boot.CamelContextConfiguration;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.EnumerablePropertySource;

/**
 * export-hub in the application's CamelContext: its beans, made from the {@code exporthub.*}
 * settings of application.yaml, and its routes, with its HTTP API only if
 * {@code exporthub.http-api.enabled} (which needs an HTTP server for Camel: camel-platform-http-starter
 * and spring-boot-starter-web).
 */
@Configuration(proxyBeanMethods = false)
public class ExportHubSetup {

    private static final String PREFIX = "exporthub.";

    @Bean
    CamelContextConfiguration exportHub(ConfigurableEnvironment environment,
                                        @Value("${exporthub.http-api.enabled:false}") boolean httpApi) {
        return new CamelContextConfiguration() {
            @Override
            public void beforeApplicationStart(CamelContext context) {
                handOver(environment, context.getPropertiesComponent());
                try {
                    // as camel-main does with a configuration class: Camel's annotations
                    // (@BindToRegistry, @PropertyInject) first, then configure
                    ExportHubConfiguration exportHub = new ExportHubConfiguration();
                    CamelBeanPostProcessor annotations = PluginHelper.getBeanPostProcessor(context);
                    annotations.postProcessBeforeInitialization(exportHub, "exportHubConfiguration");
                    annotations.postProcessAfterInitialization(exportHub, "exportHubConfiguration");
                    exportHub.configure(context);
                    ExportHubConfiguration.loadRoutes(context, httpApi);
                } catch (Exception e) {
                    throw new IllegalStateException("export-hub could not be set up", e);
                }
            }

            @Override
            public void afterApplicationStart(CamelContext context) {
                // nothing to do once started
            }
        };
    }

    /**
     * Camel looks a single key up in Spring's environment, but export-hub also lists settings by
     * prefix (the connectors and schedules it declares), which Camel cannot do there: the
     * application's exporthub.* settings are handed to Camel, above export-hub's own defaults.
     */
    private static void handOver(ConfigurableEnvironment environment, PropertiesComponent properties) {
        environment.getPropertySources().stream()
                .filter(EnumerablePropertySource.class::isInstance)
                .map(EnumerablePropertySource.class::cast)
                .flatMap(source -> Arrays.stream(source.getPropertyNames()))
                .filter(name -> name.startsWith(PREFIX))
                .distinct()
                .forEach(name -> properties.addOverrideProperty(name, environment.getProperty(name)));
    }
}
