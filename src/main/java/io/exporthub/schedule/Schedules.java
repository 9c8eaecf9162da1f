package io.exporthub.schedule;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.exporthub.ExchangeProperties;
import io.exporthub.DeclaredSettings;
import io.exporthub.api.ApiException;
import io.exporthub.api.Times;
import io.exporthub.auth.ApiKeys;
import io.exporthub.auth.Principal;
import io.exporthub.store.Database;
import io.exporthub.task.TaskStore;
import org.apache.camel.Body;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.spi.PropertiesComponent;
import org.quartz.CronExpression;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scheduled batch triggers: {@code exporthub.schedule.<name>.cron} and
 * {@code exporthub.schedule.<name>.task-template} (a JSON file holding a create body). Each fire
 * creates a task in the default workspace, unless the task of the previous fire is still running:
 * then the fire is skipped, so that runs of one schedule never overlap. Every fire is recorded.
 */
public class Schedules {

    public static final String PREFIX = "exporthub.schedule.";
    private static final Logger LOG = LoggerFactory.getLogger(Schedules.class);
    private static final int RUNS_SHOWN = 20;

    private final List<Schedule> schedules;
    private final Database db;
    private final TaskStore tasks;
    private final ApiKeys apiKeys;

    public Schedules(List<Schedule> schedules, Database db, TaskStore tasks, ApiKeys apiKeys) {
        this.schedules = List.copyOf(schedules);
        this.db = db;
        this.tasks = tasks;
        this.apiKeys = apiKeys;
    }

    /** Reads the schedules declared in configuration; a schedule without cron or template is refused at start. */
    public static List<Schedule> declared(PropertiesComponent props) {
        Map<String, Map<String, String>> byName = DeclaredSettings.byName(props, PREFIX);
        List<Schedule> schedules = new ArrayList<>();
        byName.forEach((name, settings) -> {
            if (!name.matches("[A-Za-z0-9_-]{1,64}")) {
                throw new IllegalArgumentException(PREFIX + name + ": a schedule name is letters, digits, - and _");
            }
            String cron = settings.get("cron");
            String template = settings.get("task-template");
            if (cron == null || cron.isBlank() || template == null || template.isBlank()) {
                throw new IllegalArgumentException(PREFIX + name + ": needs both cron and task-template");
            }
            schedules.add(new Schedule(name, cron.trim(), Path.of(template.trim())));
        });
        return schedules;
    }

    /**
     * One quartz route per schedule. Stateful jobs never run concurrently; a fire missed while the
     * service was down is not made up (misfire instruction "do nothing"): the next fire runs on time.
     */
    public RouteBuilder routes() {
        return new RouteBuilder() {
            @Override
            public void configure() {
                for (Schedule schedule : schedules) {
                    from("quartz:exporthub/" + schedule.name() + "?stateful=true&trigger.misfireInstruction=2&cron="
                            + schedule.cron().replace(' ', '+'))
                            .routeId("schedule-" + schedule.name())
                            .setBody(constant(schedule.name()))
                            .to("direct:exporthub-schedule-fire");
                }
            }
        };
    }

    /**
     * A fire: the template's create request, for direct:create-task to create as the default
     * workspace's admin; or null when this fire creates nothing (recorded with the reason).
     */
    public String fire(@Body String name, Exchange exchange) {
        Schedule schedule = schedules.stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow();
        Fire fire = new Fire(name, System.currentTimeMillis());
        exchange.setProperty(ExchangeProperties.SCHEDULE_FIRE, fire);
        String previous = db.queryOne("SELECT task_id FROM schedule_runs WHERE schedule_name = ? AND task_id IS NOT NULL ORDER BY id DESC",
                rs -> rs.getString(1), name).orElse(null);
        if (previous != null && tasks.isRunning(previous)) {
            record(fire, null, "skipped: task " + previous + " of the previous run is still running");
            return null;
        }
        try {
            String request = Files.readString(schedule.taskTemplate());
            exchange.setProperty(ExchangeProperties.PRINCIPAL, apiKeys.defaultAdmin());
            return request;
        } catch (IOException e) {
            LOG.warn("Schedule {} created no task: cannot read {}: {}", name, schedule.taskTemplate(), e.getMessage());
            record(fire, null, "failed: cannot read " + schedule.taskTemplate() + ": " + e.getMessage());
            return null;
        }
    }

    /** The fire created its task. */
    public void created(@ExchangeProperty(ExchangeProperties.SCHEDULE_FIRE) Fire fire, @Body String taskId) {
        record(fire, taskId, "created task " + taskId);
    }

    /** The template was refused as the API refuses it: the API's message is the run's outcome. */
    public void refused(@ExchangeProperty(ExchangeProperties.SCHEDULE_FIRE) Fire fire, @ExchangeProperty(Exchange.EXCEPTION_CAUGHT) ApiException e) {
        LOG.warn("Schedule {} created no task ({}): {}", fire.name(), e.status(), e.getMessage());
        record(fire, null, "failed: " + e.getMessage());
    }

    private void record(Fire fire, String taskId, String outcome) {
        db.insert("INSERT INTO schedule_runs (schedule_name, fired_at, task_id, outcome) VALUES (?, ?, ?, ?)",
                fire.name(), fire.firedAt(), taskId, outcome.length() > 1000 ? outcome.substring(0, 1000) : outcome);
    }

    /** When the trigger fires next, read from its cron as Quartz reads it (the JVM's time zone). */
    private static Long nextFire(Schedule schedule) {
        try {
            Date next = new CronExpression(schedule.cron()).getNextValidTimeAfter(new Date());
            return next == null ? null : next.getTime();
        } catch (ParseException e) {
            return null;
        }
    }

    /** The schedules and their latest runs; tasks of schedules live in the default workspace, so only it sees them. */
    public Map<String, Object> list(@ExchangeProperty(ExchangeProperties.PRINCIPAL) Principal principal) {
        List<Map<String, Object>> shown = new ArrayList<>();
        if (principal.workspaceId() == apiKeys.defaultAdmin().workspaceId()) {
            for (Schedule schedule : schedules) {
                Map<String, Object> s = new LinkedHashMap<>();
                s.put("name", schedule.name());
                s.put("cron", schedule.cron());
                s.put("task_template", schedule.taskTemplate().toString());
                s.put("next_fire_time", Times.iso(nextFire(schedule)));
                List<Map<String, Object>> runs = db.query(
                        "SELECT fired_at, task_id, outcome FROM schedule_runs WHERE schedule_name = ? ORDER BY id DESC LIMIT ?",
                        rs -> {
                            Map<String, Object> run = new LinkedHashMap<>();
                            run.put("fire_time", Times.iso(rs.getLong(1)));
                            run.put("task_id", rs.getString(2));
                            run.put("outcome", rs.getString(3));
                            return run;
                        }, schedule.name(), RUNS_SHOWN);
                s.put("last_fire_time", runs.isEmpty() ? null : runs.get(0).get("fire_time"));
                s.put("run_count", db.queryLong("SELECT COUNT(*) FROM schedule_runs WHERE schedule_name = ?", schedule.name()));
                s.put("runs", runs);
                shown.add(s);
            }
        }
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("schedules", shown);
        data.put("total", shown.size());
        return data;
    }

    /** One fire of a schedule, carried on the exchange from the fire to its outcome. */
    public record Fire(String name, long firedAt) {
    }
}
