-- How far an import is through its file: the records before this one went in (or failed) and are
-- counted in inserted and failed. Written in the transaction of each batch's rows, so that an import
-- resumed after a crash starts at the first record whose row is not in the table.
ALTER TABLE table_jobs ADD COLUMN import_position BIGINT;

-- How often a job was started: one the service stopped in every time is failed, not run forever.
ALTER TABLE table_jobs ADD COLUMN runs INT NOT NULL DEFAULT 0;
