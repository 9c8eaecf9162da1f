-- Times are epoch milliseconds (BIGINT) so that H2, MySQL, MariaDB and MatrixOne agree on them.
CREATE TABLE workspaces (
    id          BIGINT AUTO_INCREMENT PRIMARY KEY,
    name        VARCHAR(128) NOT NULL,
    created_at  BIGINT NOT NULL,
    CONSTRAINT uq_workspaces_name UNIQUE (name)
);

CREATE TABLE users (
    id            BIGINT AUTO_INCREMENT PRIMARY KEY,
    workspace_id  BIGINT NOT NULL,
    name          VARCHAR(128) NOT NULL,
    email         VARCHAR(320),
    is_admin      SMALLINT NOT NULL DEFAULT 0,
    created_at    BIGINT NOT NULL
);

CREATE TABLE api_keys (
    key_hash    CHAR(64) PRIMARY KEY,
    user_id     BIGINT NOT NULL,
    bootstrap   SMALLINT NOT NULL DEFAULT 0,
    created_at  BIGINT NOT NULL
);

CREATE TABLE connectors (
    id            BIGINT AUTO_INCREMENT PRIMARY KEY,
    workspace_id  BIGINT NOT NULL,
    name          VARCHAR(128) NOT NULL,
    kind          VARCHAR(16) NOT NULL,
    config        TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    CONSTRAINT uq_connectors_name UNIQUE (workspace_id, name)
);

CREATE TABLE export_tasks (
    id              VARCHAR(36) PRIMARY KEY,
    workspace_id    BIGINT NOT NULL,
    name            VARCHAR(256) NOT NULL,
    creator         VARCHAR(128) NOT NULL,
    connector_id    BIGINT NOT NULL,
    connector_name  VARCHAR(256) NOT NULL,
    type            INT NOT NULL,
    status          INT NOT NULL,
    config          TEXT NOT NULL,
    targets         TEXT NOT NULL,
    export_source   TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    ended_at        BIGINT,
    deleted         SMALLINT NOT NULL DEFAULT 0
);
CREATE INDEX ix_export_tasks_ws ON export_tasks (workspace_id, created_at);

CREATE TABLE export_task_files (
    id          BIGINT AUTO_INCREMENT PRIMARY KEY,
    task_id     VARCHAR(36) NOT NULL,
    file_id     VARCHAR(256) NOT NULL,
    full_path   TEXT NOT NULL,
    is_raw      SMALLINT NOT NULL,
    file_name   VARCHAR(512) NOT NULL,
    file_type   INT NOT NULL,
    status      INT NOT NULL,
    details     TEXT,
    attempts    INT NOT NULL DEFAULT 0,
    created_at  BIGINT NOT NULL,
    started_at  BIGINT,
    ended_at    BIGINT,
    CONSTRAINT uq_task_file UNIQUE (task_id, file_id)
);
CREATE INDEX ix_task_files_status ON export_task_files (task_id, status, id);
