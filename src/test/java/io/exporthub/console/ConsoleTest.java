package io.exporthub.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import io.exporthub.testing.ApiClient;
import io.exporthub.testing.ExportHubService;
import io.exporthub.testing.MinAppClient;
import io.exporthub.testing.Tasks;
import io.exporthub.testing.TestDatabase;
import io.exporthub.testing.Volumes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web console in headless Chromium against the real service: an operator's daily loop done in
 * the page (key, connector, a failed file and its rerun, a table's import and export), the API's
 * own words for errors, no secret in what the browser receives, and a screenshot of each page.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConsoleTest {

    private static final String KEY = ExportHubService.ADMIN_KEY;
    private static final String DIFY_SECRET = "dify-secret-7f3a19";
    private static final String S3_SECRET = "s3-secret-91bc44";
    private static final Path SCREENSHOTS = Path.of("target/console-screenshots");

    @TempDir
    static Path home;

    TestDatabase db;
    ExportHubService service;
    ApiClient api;
    MinAppClient minapp;
    ChromeDriver browser;
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    void start() throws Exception {
        db = TestDatabase.h2(home);
        Path template = Files.writeString(home.resolve("nightly.json"), "{}");
        Map<String, String> props = ExportHubService.defaults(home, db);
        props.put("exporthub.schedule.nightly.cron", "0 0 2 * * ?");
        props.put("exporthub.schedule.nightly.task-template", template.toString());
        service = ExportHubService.start(home, props);
        api = service.api();
        minapp = new MinAppClient(service.baseUrl(), KEY);
        browser = Chromium.start(Files.createDirectories(home.resolve("chromium-profile")));
        Files.createDirectories(SCREENSHOTS);
    }

    @AfterAll
    void stop() throws Exception {
        if (browser != null) {
            browser.quit();
        }
        service.close();
        db.close();
    }

    @Test
    void aFailedFileIsShownWithItsReasonAndARerunInThePageCompletesTheTask() throws Exception {
        signIn();
        open("#/connectors");
        new Select(find("#connector-kind")).selectByValue("local");
        type("#connector-name", "daily-drop");
        type("#setting-directory", "daily");
        find("#connector-form button[type=submit]").click();
        waitForText(".connector-row[data-name='daily-drop'] td:nth-child(3)", "local");
        long connector = 0;
        for (JsonNode c : api.post("/connector/list", "{}").data().path("connectors")) {
            if (c.path("name").asText().equals("daily-drop")) {
                connector = c.path("id").asLong();
            }
        }

        Volumes.raw(service.volume(), "in/present.txt", 100, 1);
        String taskId = Tasks.createTask(api, Tasks.create("daily loop", connector, "daily-drop", 100,
                Map.of("local_config", Map.of("path", "out")),
                List.of(Tasks.file("f-present", "in/present.txt", true), Tasks.file("f-missing", "in/missing.txt", true))));

        open("#/tasks/" + taskId);
        waitForText("#task-status", "failed");
        List<WebElement> failed = browser.findElements(By.cssSelector(".file-row[data-status='failed']"));
        assertThat(failed).hasSize(1);
        String reason = api.post("/export/task/files", Map.of("task_id", taskId, "statuses", List.of(3))).data()
                .path("files").get(0).path("details").asText();
        assertThat(reason).isNotBlank();
        assertThat(failed.get(0).findElement(By.cssSelector("td.details")).getText()).isEqualTo(reason);
        assertThat(failed.get(0).getAttribute("data-file-id")).isEqualTo("f-missing");
        screenshot("task-failed");

        Volumes.raw(service.volume(), "in/missing.txt", 100, 2);
        find("#rerun-failed").click();
        waitForText("#task-status", "completed");
        until("both files completed", d -> d.findElements(By.cssSelector(".file-row[data-status='completed']")).size() == 2);
        try (var written = Files.walk(service.localTargetRoot())) {
            assertThat(written.filter(p -> p.endsWith("daily/out/in/missing.txt")).toList()).hasSize(1);
        }
    }

    @Test
    void aCsvImportedInThePageComesBackFromTheExportsDownloadLink() throws Exception {
        JsonNode table = minapp.post("/userve/v1/table/", Map.of("name", "people", "schema", Map.of("fields", List.of(
                Map.of("name", "name", "type", "string"), Map.of("name", "age", "type", "integer"))))).body();
        Path csv = Files.writeString(home.resolve("people.csv"), "name,age\nAda,36\nLinus,28\n");

        signIn();
        open("#/tables/" + table.path("id").asLong());
        find("#import-file").sendKeys(csv.toAbsolutePath().toString());
        find("#import-submit").click();
        waitForText("#import-job .import-counts", "2 rows inserted, 0 failed.");

        type("#export-keys", "name,age");
        type("#export-order", "age");
        new Select(find("#export-format")).selectByValue("csv");
        find("#export-submit").click();
        WebElement link = until("the download link", d -> d.findElement(By.cssSelector("#export-download")));
        screenshot("table");
        HttpResponse<String> download = http.send(HttpRequest.newBuilder(URI.create(link.getAttribute("href"))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(download.statusCode()).isEqualTo(200);
        assertThat(download.body().lines().toList()).containsExactly("name,age", "Linus,28", "Ada,36");
    }

    @Test
    void aWrongKeyShowsTheApisMessageAndIsNotKept() throws Exception {
        open("");
        if (!browser.findElements(By.cssSelector("#forget-key:not([hidden])")).isEmpty()) {
            find("#forget-key").click();
        }
        type("#key-input", "not-a-key");
        find("#login-form button[type=submit]").click();
        String expected = api.withKey("not-a-key").post("/connector/list", "{}").msg();
        assertThat(expected).isNotBlank();
        waitForText("#login-error", expected);
        assertThat(browser.executeScript("return sessionStorage.length")).isEqualTo(0L);
        assertThat(find("#nav").isDisplayed()).isFalse();
        screenshot("wrong-key");
    }

    @Test
    void noSecretReachesThePageNorTheAnswersItReceives() throws Exception {
        signIn();
        recordAnswers();
        open("#/connectors");
        new Select(find("#connector-kind")).selectByValue("dify");
        type("#connector-name", "kb");
        type("#setting-api_url", "http://127.0.0.1:9/v1");
        type("#setting-api_key", DIFY_SECRET);
        find("#connector-form button[type=submit]").click();
        waitForText(".connector-row[data-name='kb'] td:nth-child(3)", "dify");
        new Select(find("#connector-kind")).selectByValue("s3");
        type("#connector-name", "bucket");
        type("#setting-endpoint", "http://127.0.0.1:9");
        type("#setting-bucket_name", "exports/hub");
        type("#setting-access_key_id", "AKIDCONSOLE");
        type("#setting-access_key_secret", S3_SECRET);
        new Select(find("#setting-path_style")).selectByValue("true");
        find("#connector-form button[type=submit]").click();
        waitForText(".connector-row[data-name='bucket'] td:nth-child(3)", "s3");
        // the form was emptied: no secret stays in it
        assertThat(browser.findElements(By.cssSelector("#connector-form input"))).allMatch(i -> i.getAttribute("value").isEmpty());

        List<String> sources = new ArrayList<>();
        for (String page : List.of("#/tasks", "#/connectors", "#/tables", "#/schedules", "#/health")) {
            open(page);
            waitForPage();
            sources.add(browser.getPageSource());
        }
        for (String asset : List.of("", "index.html", "app.js", "api.js", "ui.js", "tasks.js", "task.js", "connectors.js",
                "tables.js", "table.js", "schedules.js", "health.js", "console.css")) {
            sources.add(get("/console/" + asset).body());
        }
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> answers = (List<Map<String, Object>>) browser.executeScript("return window.__answers");
        assertThat(answers).extracting(a -> (String) a.get("url")).anyMatch(u -> u.endsWith("/byoa/api/v1/connector/list"));
        for (Map<String, Object> answer : answers) {
            sources.add((String) answer.get("text"));
        }
        @SuppressWarnings("unchecked")
        List<String> requested = (List<String>) browser.executeScript(
                "return performance.getEntriesByType('resource').map(e => e.name)");
        assertThat(requested).isNotEmpty().noneMatch(url -> url.contains(KEY));
        for (String text : sources) {
            assertThat(text).doesNotContain(DIFY_SECRET).doesNotContain(S3_SECRET).doesNotContain(KEY);
        }
        open("#/connectors");
        waitForText(".connector-row[data-name='bucket'] td:nth-child(3)", "s3");
        screenshot("connectors");

        // delete, after the confirmation: these connectors point nowhere and would turn health DOWN
        for (String name : List.of("kb", "bucket")) {
            find(".connector-row[data-name='" + name + "'] button").click();
            find("dialog[open] button[value=yes]").click();
            until(name + " deleted", d -> d.findElements(By.cssSelector(".connector-row[data-name='" + name + "']")).isEmpty());
        }
        assertThat(api.post("/connector/list", "{}").data().path("connectors").findValuesAsText("name")).doesNotContain("kb", "bucket");
    }

    @Test
    void theConsoleIsServedWithSecurityHeadersAndNoInlineScript() throws Exception {
        HttpResponse<String> root = get("/");
        assertThat(root.statusCode()).isEqualTo(302);
        assertThat(root.headers().firstValue("Location")).hasValue("/console/");
        assertThat(get("/console").headers().firstValue("Location")).hasValue("/console/");
        HttpResponse<String> index = get("/console/");
        assertThat(index.statusCode()).isEqualTo(200);
        assertThat(index.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/html"));
        assertThat(index.headers().firstValue("Content-Security-Policy")).hasValueSatisfying(csp -> assertThat(csp)
                .contains("default-src 'self'", "script-src 'self'", "connect-src 'self'", "frame-ancestors 'none'")
                .doesNotContain("unsafe-inline", "unsafe-eval"));
        assertThat(index.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
        assertThat(index.body()).doesNotContainPattern("<script(?![^>]*\\ssrc=)").doesNotContainPattern("\\son[a-z]+=");
        assertThat(get("/console/app.js").headers().firstValue("Content-Type"))
                .hasValueSatisfying(t -> assertThat(t).startsWith("text/javascript"));
        assertThat(get("/console/..%2Fapplication.properties").statusCode()).isEqualTo(404);
        assertThat(get("/console/nope.js").statusCode()).isEqualTo(404);
    }

    @Test
    void everyPageShowsTheServicesStateAsTheApiAnswersIt() throws Exception {
        long connector = Tasks.createConnector(api, "archive", "local", Map.of("directory", "archive"));
        for (int i = 0; i < 5; i++) {
            Volumes.raw(service.volume(), "reports/2026-12-0" + (i + 1) + ".pdf", 2000, i);
        }
        List<Map<String, Object>> reports = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            reports.add(Tasks.file("r" + i, "reports/2026-12-0" + (i + 1) + ".pdf", true));
        }
        String done = Tasks.createTask(api, Tasks.create("monthly reports", connector, "archive", 100,
                Map.of("local_config", Map.of("path", "reports")), reports));
        List<Map<String, Object>> invoices = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            Volumes.raw(service.volume(), "invoices/inv-" + (1000 + i) + ".pdf", 1000, 100 + i);
            invoices.add(Tasks.file("i" + i, "invoices/inv-" + (1000 + i) + ".pdf", true));
        }
        Tasks.createTask(api, Tasks.create("invoices to finance", connector, "archive", 100,
                Map.of("local_config", Map.of("path", "finance")), invoices));
        List<Map<String, Object>> contracts = new ArrayList<>(reports.subList(0, 3));
        contracts.add(Tasks.file("c-missing", "contracts/2026-lease.pdf", true));
        String failed = Tasks.createTask(api, Tasks.create("contracts to archive", connector, "archive", 100,
                Map.of("local_config", Map.of("path", "contracts", "need_compress", true, "compress_method", "gzip")), contracts));

        signIn();
        open("#/tasks");
        until("the two tasks in their end states", d -> d.findElements(By.cssSelector(".task-row[data-task-id='" + done + "'][data-status='completed']")).size() == 1
                && d.findElements(By.cssSelector(".task-row[data-task-id='" + failed + "'][data-status='failed']")).size() == 1);
        assertThat(find(".task-row[data-task-id='" + failed + "'] .progress-text").getText()).isEqualTo("4/4 done, 1 failed");
        screenshot("tasks");

        new Select(find("#filter-status")).selectByVisibleText("failed");
        find("form[role=search] button[type=submit]").click();
        until("only failed tasks listed", d -> d.findElements(By.cssSelector(".task-row")).stream().allMatch(r -> "failed".equals(r.getAttribute("data-status")))
                && !d.findElements(By.cssSelector(".task-row[data-task-id='" + failed + "']")).isEmpty());

        open("#/schedules");
        JsonNode nightly = api.get("/schedule/list").data().path("schedules").get(0);
        assertThat(nightly.path("next_fire_time").asText()).endsWith("Z");
        until("the next fire time", d -> d.findElement(By.cssSelector(".schedule[data-name='nightly'] time")).getAttribute("datetime")
                .equals(nightly.path("next_fire_time").asText()));
        screenshot("schedules");

        open("#/tables");
        waitForPage();
        screenshot("tables");
        open("#/health");
        waitForText("#health-status .badge", "UP");
        until("the task metrics", d -> d.findElement(By.id("metrics")).getText().contains("Tasks: completed"));
        screenshot("health");
    }

    // ---- the browser

    private void open(String hash) {
        String url = service.baseUrl() + "/console/" + hash;
        if (browser.getCurrentUrl() != null && browser.getCurrentUrl().startsWith(service.baseUrl() + "/console/")) {
            browser.executeScript("location.hash = arguments[0]", hash.isEmpty() ? "#/tasks" : hash);
        } else {
            browser.get(url);
        }
    }

    /** Enters the key in the page, unless this tab already holds one. */
    private void signIn() {
        open("#/tasks");
        until("the key prompt or the console", d -> d.findElement(By.id("login")).isDisplayed() || d.findElement(By.id("nav")).isDisplayed());
        if (find("#login").isDisplayed()) {
            type("#key-input", KEY);
            find("#login-form button[type=submit]").click();
            until("the console after the key", d -> d.findElement(By.id("nav")).isDisplayed());
        }
        assertThat(find("#key-input").getAttribute("value")).isEmpty();
    }

    /** From now on, keeps the text of every answer the page's own fetch calls receive. */
    private void recordAnswers() {
        browser.executeScript("""
                if (!window.__answers) {
                  window.__answers = [];
                  const original = window.fetch;
                  window.fetch = async (...args) => {
                    const response = await original(...args);
                    const text = await response.clone().text();
                    window.__answers.push({ url: response.url, text });
                    return response;
                  };
                }""");
    }

    private void waitForPage() {
        until("the page's content", d -> !d.findElement(By.id("view")).getText().isBlank());
    }

    private WebElement find(String css) {
        return until(css, d -> d.findElement(By.cssSelector(css)));
    }

    private void type(String css, String text) {
        WebElement input = find(css);
        input.clear();
        input.sendKeys(text);
    }

    private void waitForText(String css, String text) {
        until(css + " reads '" + text + "'", d -> d.findElement(By.cssSelector(css)).getText().trim().equals(text));
    }

    /** Waits for the condition; a timeout says what was awaited and what the page showed instead. */
    private <T> T until(String what, java.util.function.Function<org.openqa.selenium.WebDriver, T> condition) {
        return new WebDriverWait(browser, Duration.ofSeconds(45), Duration.ofMillis(100))
                .ignoring(StaleElementReferenceException.class)
                .withMessage(() -> what + "; the page showed: " + browser.findElement(By.tagName("main")).getText())
                .until(condition);
    }

    private void screenshot(String name) throws IOException {
        Files.write(SCREENSHOTS.resolve(name + ".png"), browser.getScreenshotAs(OutputType.BYTES));
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(service.baseUrl() + path)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
