package com.example.esb;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;

import org.junit.jupiter.api.Test;

/**
 * What embedding export-hub puts on the application's classpath: export-hub's thin library, one
 * Camel (the application's version), and no class of Camel, Jackson or the AWS SDK twice.
 */
class ClasspathTest {

    private static final List<String> SHARED = List.of("org/apache/camel/", "com/fasterxml/jackson/", "software/amazon/awssdk/");

    private final List<String> jars = List.of(System.getProperty("java.class.path").split(File.pathSeparator));

    @Test
    void exportHubIsTheLibraryNotTheServiceJar() {
        assertThat(jars).filteredOn(j -> new File(j).getName().startsWith("export-hub-"))
                .singleElement().satisfies(j -> assertThat(new File(j).getName()).isEqualTo("export-hub-0.1.0-SNAPSHOT.jar"));
    }

    @Test
    void everyCamelJarIsTheApplicationsVersion() {
        String version = System.getProperty("example.camel.version");
        List<String> camel = jars.stream().filter(j -> j.replace(File.separatorChar, '/').contains("/org/apache/camel/")).toList();
        assertThat(camel).isNotEmpty().allSatisfy(j -> assertThat(new File(j).getName()).endsWith("-" + version + ".jar"));
    }

    @Test
    void noClassOfCamelJacksonOrTheAwsSdkIsThereTwice() throws IOException {
        Map<String, String> firstJar = new HashMap<>();
        List<String> twice = new ArrayList<>();
        for (String jar : jars) {
            if (!jar.endsWith(".jar")) {
                continue;
            }
            try (JarFile file = new JarFile(jar)) {
                for (ZipEntry entry : Collections.list(file.entries())) {
                    String name = entry.getName();
                    if (name.endsWith(".class") && !name.startsWith("META-INF/") && SHARED.stream().anyMatch(name::startsWith)) {
                        String earlier = firstJar.putIfAbsent(name, jar);
                        if (earlier != null) {
                            twice.add(name + " in " + earlier + " and " + jar);
                        }
                    }
                }
            }
        }
        assertThat(firstJar).as("the shared libraries are on the classpath").isNotEmpty();
        assertThat(twice).isEmpty();
    }
}
