package io.exporthub;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;

import org.junit.jupiter.api.Test;

/**
 * The two artifacts of the build: the library an application embeds carries our classes and
 * resources and nothing else (a bundled Camel or Jackson would be a second copy beside the
 * application's own), the service jar carries everything it runs with.
 */
class LibraryJarIT {

    @Test
    void theLibraryCarriesOnlyOurClassesAndResources() throws IOException {
        List<String> entries = entries(System.getProperty("exporthub.library-jar"));

        assertThat(entries).filteredOn(e -> !e.endsWith("/"))
                .allMatch(e -> e.startsWith("io/exporthub/") || e.startsWith("exporthub/")
                        || e.equals("META-INF/MANIFEST.MF") || e.startsWith("META-INF/maven/io.exporthub/"),
                        "an io.exporthub class, a resource under exporthub/ or the jar's own metadata");
        assertThat(entries).contains(
                "io/exporthub/ExportHubConfiguration.class",
                "exporthub/application.properties",
                "exporthub/routes/inprocess-api.camel.yaml",
                "exporthub/db/migration/V1__export_tasks.sql");
    }

    @Test
    void theServiceJarCarriesWhatItRunsWith() throws IOException {
        List<String> entries = entries(System.getProperty("exporthub.service-jar"));

        assertThat(entries).contains(
                "io/exporthub/App.class",
                "exporthub/routes/rest-moi.camel.yaml",
                "org/apache/camel/main/Main.class",
                "org/h2/Driver.class",
                "log4j2.properties");
    }

    private static List<String> entries(String jar) throws IOException {
        assertThat(jar).as("the jar's path, set by the build").isNotBlank();
        try (JarFile file = new JarFile(Path.of(jar).toFile())) {
            return Collections.list(file.entries()).stream().map(ZipEntry::getName).toList();
        }
    }
}
