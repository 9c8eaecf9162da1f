package io.exporthub.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.StringWriter;
import java.lang.reflect.Method;
import java.net.URI;
import java.net.URLClassLoader;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import javax.tools.JavaCompiler;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;

import io.exporthub.testing.ExportHubService;
import io.exporthub.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openapitools.codegen.ClientOptInput;
import org.openapitools.codegen.DefaultGenerator;
import org.openapitools.codegen.config.CodegenConfigurator;

/**
 * A client generator can use the served document: a Java client (openapi-generator, library
 * {@code native}: java.net.http and Jackson) is generated from it, compiled, and its calls create
 * a connector and a task and list the tasks on the running service.
 */
class GeneratedClientTest {

    @TempDir
    Path home;

    @Test
    void aGeneratedJavaClientCreatesAndListsTasks() throws Exception {
        try (TestDatabase db = TestDatabase.h2(home);
             ExportHubService service = ExportHubService.start(home, ExportHubService.defaults(home, db))) {
            Path spec = home.resolve("openapi.json");
            // HTTP/1.1: a full-suite run once saw java.net.http's h2c upgrade read this 87 KB answer as
            // frames; the document, not the transport, is under test here
            HttpResponse<Path> served = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(
                    HttpRequest.newBuilder(URI.create(service.baseUrl() + "/byoa/api/v1/openapi.json")).build(),
                    HttpResponse.BodyHandlers.ofFile(spec));
            assertThat(served.statusCode()).isEqualTo(200);

            Path sources = home.resolve("client");
            ClassLoader client = compile(generate(spec, sources), home.resolve("classes"));

            Object apiClient = client.loadClass("org.example.hub.ApiClient").getConstructor().newInstance();
            apiClient.getClass().getMethod("updateBaseUri", String.class).invoke(apiClient, service.baseUrl());
            apiClient.getClass().getMethod("setRequestInterceptor", java.util.function.Consumer.class).invoke(apiClient,
                    (java.util.function.Consumer<HttpRequest.Builder>) request -> request.header("moi-key", ExportHubService.ADMIN_KEY));

            Object connectors = api(client, "org.example.hub.api.ConnectorsApi", apiClient);
            Object connectorRequest = model(client, "CreateConnectorRequest", Map.of(
                    "name", "out", "kind", enumValue(client, "CreateConnectorRequest$KindEnum", "LOCAL"),
                    "config", Map.of("directory", "out")));
            Object connectorAnswer = invoke(connectors, "createConnector", connectorRequest);
            Object connectorId = get(get(connectorAnswer, "getData"), "getId");
            assertThat(connectorId).isEqualTo(1L);

            Files.createDirectories(service.volume().resolve("docs"));
            Files.writeString(service.volume().resolve("docs/a.txt"), "hello");
            Object tasks = api(client, "org.example.hub.api.TasksApi", apiClient);
            Object file = model(client, "TaskFileRef", Map.of("fileId", "a", "fullPath", List.of("docs", "a.txt"), "isRaw", true));
            Object local = model(client, "PathTargetConfig", Map.of("path", "from-client"));
            Object config = model(client, "TaskConfig", Map.of("localConfig", local));
            Object create = model(client, "CreateTaskRequest", Map.of("taskName", "generated", "creator", "admin",
                    "connectorName", "out", "type", enumValue(client, "CreateTaskRequest$TypeEnum", "NUMBER_100"),
                    "config", config, "files", List.of(file)));
            String taskId = (String) get(get(invoke(tasks, "createTask", create), "getData"), "getId");
            assertThat(taskId).hasSize(36);

            Object list = invoke(tasks, "listTasks", model(client, "ListTasksRequest", Map.of("taskId", taskId)));
            assertThat(get(get(list, "getData"), "getTotal")).isEqualTo(1);
            List<?> summaries = (List<?>) get(get(list, "getData"), "getTasks");
            assertThat(get(summaries.get(0), "getName")).isEqualTo("generated");
        }
    }

    private static List<File> generate(Path spec, Path out) {
        CodegenConfigurator configurator = new CodegenConfigurator()
                .setGeneratorName("java")
                .setLibrary("native")
                .setInputSpec(spec.toString())
                .setOutputDir(out.toString())
                .setInvokerPackage("org.example.hub")
                .setApiPackage("org.example.hub.api")
                .setModelPackage("org.example.hub.model")
                .addAdditionalProperty("openApiNullable", false)
                .addAdditionalProperty("annotationLibrary", "none")
                .addAdditionalProperty("useJakartaEe", false);
        ClientOptInput input = configurator.toClientOptInput();
        DefaultGenerator generator = new DefaultGenerator();
        generator.setGeneratorPropertyDefault("apiTests", "false");
        generator.setGeneratorPropertyDefault("modelTests", "false");
        generator.setGeneratorPropertyDefault("apiDocs", "false");
        generator.setGeneratorPropertyDefault("modelDocs", "false");
        return generator.opts(input).generate().stream().filter(f -> f.getName().endsWith(".java")).toList();
    }

    private static ClassLoader compile(List<File> sources, Path classes) throws Exception {
        Files.createDirectories(classes);
        JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
        StringWriter errors = new StringWriter();
        try (StandardJavaFileManager files = compiler.getStandardFileManager(null, null, null)) {
            boolean ok = compiler.getTask(errors, files, null,
                    List.of("-d", classes.toString(), "-classpath", clientClasspath(), "-proc:none", "-nowarn"),
                    null, files.getJavaFileObjectsFromFiles(sources)).call();
            assertThat(ok).as("the generated client compiles: %s", errors).isTrue();
        }
        return new URLClassLoader(new java.net.URL[] {classes.toUri().toURL()}, GeneratedClientTest.class.getClassLoader());
    }

    /** The client's own dependencies only (Jackson, JSR-305 and javax annotations, httpmime): javac reads less. */
    private static String clientClasspath() {
        return Stream.of(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(jar -> Stream.of("jackson", "jsr305", "javax.annotation", "httpmime", "httpcore", "httpclient")
                        .anyMatch(Path.of(jar).getFileName().toString()::contains))
                .collect(java.util.stream.Collectors.joining(File.pathSeparator));
    }

    private static Object api(ClassLoader client, String name, Object apiClient) throws Exception {
        Class<?> type = client.loadClass(name);
        return type.getConstructor(apiClient.getClass()).newInstance(apiClient);
    }

    /** A model object built through its fluent setters, e.g. {@code taskName(...)}. */
    private static Object model(ClassLoader client, String name, Map<String, Object> values) throws Exception {
        Class<?> type = client.loadClass("org.example.hub.model." + name);
        Object model = type.getConstructor().newInstance();
        for (Map.Entry<String, Object> value : values.entrySet()) {
            Method setter = Stream.of(type.getMethods())
                    .filter(m -> m.getName().equals(value.getKey()) && m.getParameterCount() == 1)
                    .findFirst().orElseThrow(() -> new AssertionError(name + " has no " + value.getKey()));
            setter.invoke(model, value.getValue());
        }
        return model;
    }

    private static Object enumValue(ClassLoader client, String name, String constant) throws Exception {
        Class<?> type = client.loadClass("org.example.hub.model." + name);
        return type.getField(constant).get(null);
    }

    private static Object invoke(Object api, String operation, Object body) throws Exception {
        Method method = Stream.of(api.getClass().getMethods())
                .filter(m -> m.getName().equals(operation) && m.getParameterCount() == 1)
                .findFirst().orElseThrow();
        return method.invoke(api, body);
    }

    private static Object get(Object target, String getter) throws Exception {
        return target.getClass().getMethod(getter).invoke(target);
    }
}
