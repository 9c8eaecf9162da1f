-- Each fire of a configured schedule: the task it created, or why it created none.
CREATE TABLE schedule_runs (
    id             BIGINT AUTO_INCREMENT PRIMARY KEY,
    schedule_name  VARCHAR(128) NOT NULL,
    fired_at       BIGINT NOT NULL,
    task_id        VARCHAR(36),
    outcome        VARCHAR(1024) NOT NULL
);
CREATE INDEX ix_schedule_runs ON schedule_runs (schedule_name, id);
