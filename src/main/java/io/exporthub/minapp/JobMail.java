package io.exporthub.minapp;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import io.exporthub.ExchangeProperties;
import io.exporthub.api.EmailAddress;
import io.exporthub.store.Database;
import org.apache.camel.CamelContext;
import org.apache.camel.Endpoint;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.Body;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The e-mail a job's creator gets when the job ends, sent through camel-mail. Retries belong to the
 * route; a message that cannot be sent (no SMTP host, no address, every retry failed) is logged and
 * kept in the outbox table. The job itself is never touched here.
 */
public class JobMail {

    private static final Logger LOG = LoggerFactory.getLogger(JobMail.class);
    private static final int FAILURES_MAILED = 20;

    /** The SMTP settings; a blank host means outbox only. */
    public record Settings(String host, int port, String username, String password, String from, String security) {
    }

    private final Database db;
    private final TableJobs jobs;
    private final TableStore tables;
    private final TableApi api;
    private final Settings settings;
    private final CamelContext context;
    private volatile Endpoint endpoint;
    private volatile ProducerTemplate producer;

    public JobMail(CamelContext context, Database db, TableJobs jobs, TableStore tables, TableApi api, Settings settings) {
        this.context = context;
        this.db = db;
        this.jobs = jobs;
        this.tables = tables;
        this.api = api;
        this.settings = settings;
    }

    public boolean configured() {
        return settings.host() != null && !settings.host().isBlank();
    }

    /** The camel-mail endpoint; the password goes in RAW() and camel masks it in logs. */
    String uri() {
        String scheme = "ssl".equals(settings.security()) ? "smtps" : "smtp";
        StringBuilder uri = new StringBuilder(scheme).append("://").append(settings.host()).append(':').append(settings.port())
                .append("?connectionTimeout=10000&contentType=").append(enc("text/plain; charset=UTF-8"));
        if (settings.username() != null && !settings.username().isBlank()) {
            uri.append("&username=").append(enc(settings.username()))
                    .append("&password=RAW(").append(settings.password() == null ? "" : settings.password()).append(')');
        }
        if ("starttls".equals(settings.security())) {
            uri.append("&mail.smtp.starttls.enable=true&mail.smtp.starttls.required=true");
        }
        return uri.toString();
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /** Sends the job's e-mail, or keeps it in the outbox when there is no server or address; throws when sending fails. */
    public void send(@Body String jobId, Exchange exchange) {
        TableJobs.Job job = jobs.find(jobId).orElseThrow();
        String[] message = compose(job);
        exchange.setProperty(ExchangeProperties.MAIL_SUBJECT, message[0]);
        if (!configured()) {
            keep(job, message, "no SMTP host configured (exporthub.mail.host)");
            return;
        }
        if (job.userEmail() == null || job.userEmail().isBlank()) {
            keep(job, message, "the job's creator has no e-mail address");
            return;
        }
        // one recipient, whatever the stored text says: a list there would mail everyone on it
        String recipient = EmailAddress.single(job.userEmail()).orElse(null);
        if (recipient == null) {
            keep(job, message, "the job's creator's e-mail is not one address");
            return;
        }
        if (producer == null) {
            endpoint = context.getEndpoint(uri());
            producer = context.createProducerTemplate();
        }
        Map<String, Object> headers = new java.util.HashMap<>();
        headers.put("From", settings.from());
        headers.put("To", recipient);
        headers.put("Subject", message[0]);
        // throws when the server refuses or cannot be reached: the route retries
        producer.sendBodyAndHeaders(endpoint, message[1], headers);
        LOG.info("Mailed the end of job {} to its creator", jobId);
    }

    /** After the last retry failed: the message goes to the outbox with the reason. */
    public void keepUnsent(@Body String jobId, @ExchangeProperty(Exchange.EXCEPTION_CAUGHT) Throwable error) {
        TableJobs.Job job = jobs.find(jobId).orElseThrow();
        keep(job, compose(job), "sending failed: " + (error == null ? "unknown" : error.getMessage()));
    }

    private void keep(TableJobs.Job job, String[] message, String reason) {
        db.update("INSERT INTO mail_outbox (job_id, recipient, subject, body, reason, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                job.id(), job.userEmail(), message[0], message[1], reason.length() > 1000 ? reason.substring(0, 1000) : reason,
                System.currentTimeMillis());
        LOG.info("Job {} e-mail kept in the outbox ({}): {}\n{}", job.id(), reason, message[0], message[1]);
    }

    /** Subject and text of the job's e-mail. */
    String[] compose(TableJobs.Job job) {
        String table = tables.find(job.workspaceId(), job.tableId()).map(TableDef::name).orElse("#" + job.tableId());
        String what = job.operation().equals("export") ? "Export" : "Import";
        if (TableJobs.FAILED.equals(job.status())) {
            return new String[] {what + " of table " + table + " failed",
                    what + " job " + job.id() + " of table " + table + " failed: " + job.error() + "\n"};
        }
        if (job.operation().equals("export")) {
            return new String[] {"Export of table " + table + " is ready",
                    "Export job " + job.id() + " of table " + table + " is ready: " + job.rowCount() + " rows, "
                            + job.fileType() + " file " + job.fileName() + ".\n\n"
                            + "Download (the link expires in a few days): " + api.downloadUrl(job) + "\n"};
        }
        StringBuilder text = new StringBuilder("Import job ").append(job.id()).append(" into table ").append(table)
                .append(" finished: ").append(job.inserted()).append(" rows inserted, ").append(job.failed()).append(" failed.\n");
        List<Map<String, Object>> failures = jobs.failures(job.id(), FAILURES_MAILED);
        if (!failures.isEmpty()) {
            text.append("\nFirst failed rows:\n");
            failures.forEach(f -> text.append("line ").append(f.get("line")).append(": ").append(f.get("reason")).append('\n'));
        }
        return new String[] {"Import into table " + table + " finished", text.toString()};
    }
}
