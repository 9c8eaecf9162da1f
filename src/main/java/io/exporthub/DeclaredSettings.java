package io.exporthub;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

import org.apache.camel.spi.PropertiesComponent;

/** Things declared in settings as {@code <prefix><name>.<key> = value}: connectors, schedules. */
public final class DeclaredSettings {

    private DeclaredSettings() {
    }

    /** The settings under {@code prefix}, grouped by name, in the order they were declared. */
    public static Map<String, Map<String, String>> byName(PropertiesComponent props, String prefix) {
        Properties declared = props.loadProperties(key -> key.startsWith(prefix));
        Map<String, Map<String, String>> byName = new LinkedHashMap<>();
        for (String key : declared.stringPropertyNames()) {
            String rest = key.substring(prefix.length());
            int dot = rest.indexOf('.');
            if (dot > 0) {
                byName.computeIfAbsent(rest.substring(0, dot), n -> new LinkedHashMap<>())
                        .put(rest.substring(dot + 1), props.resolveProperty(key).orElse(""));
            }
        }
        return byName;
    }
}
