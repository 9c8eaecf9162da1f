package io.exporthub.minapp;

import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.exporthub.api.ApiException;
import io.exporthub.auth.Principal;
import io.exporthub.store.Database;

/**
 * Import and export jobs: pending (queued) → ready (running) → finish, or failed with an error.
 * The job is in the database before it is queued; a restarted service queues what did not end.
 */
public class TableJobs {

    public static final String PENDING = "pending";
    public static final String READY = "ready";
    public static final String FINISH = "finish";
    public static final String FAILED = "failed";
    /** Failed import rows kept (and shown) per job; all of them are counted. */
    public static final int FAILURES_KEPT = 1000;

    private static final String ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A job row as stored. */
    public record Job(String id, long workspaceId, long tableId, long userId, String userEmail, String operation, String status,
                      String fileType, String fileName, String request, String stagedFile, Long rowCount, Long inserted,
                      Long failed, String error, Long expiresAt, long createdAt, long updatedAt, Long importPosition) {
    }

    /** A record of an import that did not go in: the line it starts on, and why. */
    public record Failure(long line, String reason) {
    }

    private final Database db;
    /** Runs a job may start: one the service stopped in as often (a crash it causes, say) is not run again. */
    private final int maxRuns;

    public TableJobs(Database db, int maxRuns) {
        this.db = db;
        this.maxRuns = maxRuns;
    }

    static String newJobId() {
        StringBuilder id = new StringBuilder(32);
        for (int i = 0; i < 32; i++) {
            id.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
        }
        return id.toString();
    }

    public String create(Principal principal, long tableId, String operation, String fileType, String fileName,
                         String request, String stagedFile) {
        String id = newJobId();
        long now = System.currentTimeMillis();
        db.update("""
                INSERT INTO table_jobs (id, workspace_id, table_id, user_id, user_email, operation, status, file_type, file_name,
                  request, staged_file, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                id, principal.workspaceId(), tableId, principal.userId(), principal.email(), operation, PENDING, fileType,
                fileName, request, stagedFile, now, now);
        return id;
    }

    /** When this user last created an export of this table (epoch ms), if ever. */
    public Optional<Long> lastExport(long userId, long tableId) {
        long last = db.queryLong("SELECT COALESCE(MAX(created_at), 0) FROM table_jobs WHERE user_id = ? AND table_id = ? AND operation = 'export'",
                userId, tableId);
        return last == 0 ? Optional.empty() : Optional.of(last);
    }

    public Optional<Job> find(String id) {
        return db.queryOne("SELECT * FROM table_jobs WHERE id = ?", TableJobs::job, id);
    }

    public Job get(long workspaceId, long tableId, String operation, String id) {
        return find(id).filter(j -> j.workspaceId() == workspaceId && j.tableId() == tableId && j.operation().equals(operation))
                .orElseThrow(() -> ApiException.notFound("job_id: no " + operation + " job " + id + " for table " + tableId));
    }

    public List<Job> list(long workspaceId, long tableId, String operation, int limit, int offset) {
        return db.query("SELECT * FROM table_jobs WHERE workspace_id = ? AND table_id = ? AND operation = ? "
                        + "ORDER BY created_at DESC, id LIMIT ? OFFSET ?",
                TableJobs::job, workspaceId, tableId, operation, limit, offset);
    }

    public long count(long workspaceId, long tableId, String operation) {
        return db.queryLong("SELECT COUNT(*) FROM table_jobs WHERE workspace_id = ? AND table_id = ? AND operation = ?",
                workspaceId, tableId, operation);
    }

    /** Claims a pending job; false when it is no longer pending (another consumer, or it ended). */
    public boolean start(String id) {
        return db.update("UPDATE table_jobs SET status = ?, runs = runs + 1, updated_at = ? WHERE id = ? AND status = ?",
                READY, System.currentTimeMillis(), id, PENDING) == 1;
    }

    public void finishExport(String id, String fileName, long rows, long expiresAt) {
        db.update("UPDATE table_jobs SET status = ?, file_name = ?, row_count = ?, expires_at = ?, updated_at = ? WHERE id = ?",
                FINISH, fileName, rows, expiresAt, System.currentTimeMillis(), id);
    }

    public void finishImport(String id, long inserted, long failed) {
        db.update("UPDATE table_jobs SET status = ?, row_count = ?, inserted = ?, failed = ?, updated_at = ? WHERE id = ?",
                FINISH, inserted + failed, inserted, failed, System.currentTimeMillis(), id);
    }

    public void fail(String id, String error) {
        db.update("UPDATE table_jobs SET status = ?, error = ?, updated_at = ? WHERE id = ?",
                FAILED, error.length() > 2000 ? error.substring(0, 2000) : error, System.currentTimeMillis(), id);
    }

    /**
     * Records, on the connection and in the transaction of the rows it speaks of, how far an import is:
     * its first {@code position} records are done, {@code inserted} rows went in and {@code failed}
     * records did not, of which these failures are new (kept while fewer than {@link #FAILURES_KEPT} are).
     */
    public static void checkpoint(Connection c, String id, long position, long inserted, long failed, List<Failure> failures)
            throws SQLException {
        Database.update(c, "UPDATE table_jobs SET import_position = ?, inserted = ?, failed = ?, updated_at = ? WHERE id = ?",
                position, inserted, failed, System.currentTimeMillis(), id);
        long room = FAILURES_KEPT - Math.min(FAILURES_KEPT, failed - failures.size());
        for (Failure f : failures) {
            if (room-- <= 0) {
                return;
            }
            String reason = f.reason().length() > 1000 ? f.reason().substring(0, 1000) : f.reason();
            Database.update(c, "INSERT INTO table_job_failures (job_id, line_no, reason) VALUES (?, ?, ?)", id, f.line(), reason);
        }
    }

    public List<Map<String, Object>> failures(String id, int limit) {
        return db.query("SELECT line_no, reason FROM table_job_failures WHERE job_id = ? ORDER BY line_no, id LIMIT ?", rs -> {
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("line", rs.getLong(1));
            f.put("reason", rs.getString(2));
            return f;
        }, id, limit);
    }

    /** Forgets the jobs of a deleted table (and their failures); answers them, for their files to go too. */
    public List<Job> deleteOfTable(long tableId) {
        List<Job> gone = db.query("SELECT * FROM table_jobs WHERE table_id = ?", TableJobs::job, tableId);
        db.update("DELETE FROM table_job_failures WHERE job_id IN (SELECT id FROM table_jobs WHERE table_id = ?)", tableId);
        db.update("DELETE FROM table_jobs WHERE table_id = ?", tableId);
        return gone;
    }

    /**
     * Jobs a stopped process left pending or running: back to pending, to be queued again, unless the
     * service stopped during each of their runs so far; those fail, as a job that crashes it would
     * otherwise crash it again after every start.
     */
    public List<String> resumable() {
        db.update("UPDATE table_jobs SET status = ?, error = ?, updated_at = ? WHERE status = ? AND runs >= ?", FAILED,
                "the service stopped during each of the " + maxRuns + " runs of this job: it is not run again",
                System.currentTimeMillis(), READY, maxRuns);
        db.update("UPDATE table_jobs SET status = ? WHERE status = ?", PENDING, READY);
        return db.query("SELECT id FROM table_jobs WHERE status = ? ORDER BY created_at", rs -> rs.getString(1), PENDING);
    }

    private static Job job(ResultSet rs) throws SQLException {
        return new Job(rs.getString("id"), rs.getLong("workspace_id"), rs.getLong("table_id"), rs.getLong("user_id"),
                rs.getString("user_email"), rs.getString("operation"), rs.getString("status"), rs.getString("file_type"),
                rs.getString("file_name"), rs.getString("request"), rs.getString("staged_file"),
                Database.nullableLong(rs, "row_count"), Database.nullableLong(rs, "inserted"), Database.nullableLong(rs, "failed"),
                rs.getString("error"), Database.nullableLong(rs, "expires_at"), rs.getLong("created_at"), rs.getLong("updated_at"),
                Database.nullableLong(rs, "import_position"));
    }
}
