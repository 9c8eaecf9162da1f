-- MinApp tables, their import/export jobs and the mail outbox. Times are epoch milliseconds, as in V1.
-- The rows of a user table live in a table of their own (tbl_<id>, typed columns), made at runtime.
CREATE TABLE user_tables (
    id            BIGINT AUTO_INCREMENT PRIMARY KEY,
    workspace_id  BIGINT NOT NULL,
    name          VARCHAR(128) NOT NULL,
    fields        TEXT NOT NULL,
    created_by    BIGINT NOT NULL,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    CONSTRAINT uq_user_tables_name UNIQUE (workspace_id, name)
);

CREATE TABLE table_jobs (
    id            CHAR(32) PRIMARY KEY,
    workspace_id  BIGINT NOT NULL,
    table_id      BIGINT NOT NULL,
    user_id       BIGINT NOT NULL,
    user_email    VARCHAR(320),
    operation     VARCHAR(8) NOT NULL,
    status        VARCHAR(8) NOT NULL,
    file_type     VARCHAR(8) NOT NULL,
    file_name     VARCHAR(255),
    request       TEXT NOT NULL,
    staged_file   VARCHAR(1024),
    row_count     BIGINT,
    inserted      BIGINT,
    failed        BIGINT,
    error         TEXT,
    expires_at    BIGINT,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE INDEX ix_table_jobs_table ON table_jobs (workspace_id, table_id, operation, created_at);
CREATE INDEX ix_table_jobs_user ON table_jobs (user_id, table_id, operation, created_at);

-- The first failed rows of an import (the job counts all of them).
CREATE TABLE table_job_failures (
    id       BIGINT AUTO_INCREMENT PRIMARY KEY,
    job_id   CHAR(32) NOT NULL,
    line_no  BIGINT NOT NULL,
    reason   VARCHAR(1024) NOT NULL
);
CREATE INDEX ix_table_job_failures ON table_job_failures (job_id, id);

-- Job e-mails that were not sent (no SMTP server configured, or every retry failed).
CREATE TABLE mail_outbox (
    id          BIGINT AUTO_INCREMENT PRIMARY KEY,
    job_id      CHAR(32) NOT NULL,
    recipient   VARCHAR(320),
    subject     VARCHAR(512) NOT NULL,
    body        TEXT NOT NULL,
    reason      VARCHAR(1024) NOT NULL,
    created_at  BIGINT NOT NULL
);

-- Secrets the service generates for itself when none is configured (the download-link key).
CREATE TABLE service_secrets (
    name    VARCHAR(64) PRIMARY KEY,
    secret  VARCHAR(128) NOT NULL
);
