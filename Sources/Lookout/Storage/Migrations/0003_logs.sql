-- Logs (docs/logs.md): one row per log line, partitioned by UTC day so that retention is
-- DROP TABLE (FINDINGS: 180 ms, against 19 s for DELETE + VACUUM of one day) and a search of
-- the last 24 hours touches one or two partitions, each with its own trigram index.

-- Trigram indexes for substring and regex search; a trusted extension (PostgreSQL 13+).
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- Partitioned tables cannot have identity columns before PostgreSQL 17: a plain sequence.
CREATE SEQUENCE log_lines_id_seq CACHE 1000;

CREATE TABLE log_lines (
    id          bigint NOT NULL DEFAULT nextval('log_lines_id_seq'),
    at          timestamptz NOT NULL,
    level       text NOT NULL CHECK (level IN ('debug', 'info', 'warning', 'error', 'critical')),
    service     text NOT NULL,
    message     text NOT NULL,
    request_id  text,
    user_id     text,
    tenant      text,
    job_id      bigint,
    stack       text,
    context     jsonb
) PARTITION BY RANGE (at);
ALTER SEQUENCE log_lines_id_seq OWNED BY log_lines.id;

-- A line is named by (at, id): the time prunes to one partition, then this index finds it.
-- It also serves "newest first" and keyset paging.
CREATE INDEX log_lines_at ON log_lines (at DESC, id DESC);
-- Seed 001: the request ID from a support ticket (FINDINGS: 0.07 ms).
CREATE INDEX log_lines_request ON log_lines (request_id) WHERE request_id IS NOT NULL;
-- A failed job's page links to its lines.
CREATE INDEX log_lines_job ON log_lines (job_id) WHERE job_id IS NOT NULL;
-- The service filter, and "context": the lines around a hit in the same service.
CREATE INDEX log_lines_service_at ON log_lines (service, at DESC, id DESC);
-- "Errors in the last hour" without a search term: errors are the rare level.
CREATE INDEX log_lines_level_at ON log_lines (level, at DESC, id DESC);
-- Case-insensitive substring (ILIKE) and regex (~*) search (FINDINGS: 746 ms -> 29 ms per day).
-- New entries go to the GIN pending list and are merged in bulk; a 16 MB list (default 4)
-- measured 2.1 s instead of 3.6 s per 100,000 lines loaded, and a search reads the list too.
CREATE INDEX log_lines_message ON log_lines USING gin (message gin_trgm_ops) WITH (gin_pending_list_limit = 16384);

-- The services seen, for the filter, without a DISTINCT over millions of rows.
CREATE TABLE log_services (
    service    text PRIMARY KEY,
    last_seen  timestamptz NOT NULL
);

-- Creates the partition holding one UTC day if it is missing. Several ingesters may ask at
-- once: they queue on an advisory lock; the one that comes second may still not see the
-- first one's table in its catalog cache, so "already exists" also means done.
CREATE FUNCTION ensure_log_partition(day date) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
    name text := 'log_lines_' || to_char(day, 'YYYYMMDD');
BEGIN
    IF to_regclass(name) IS NOT NULL THEN
        RETURN false;
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext('lookout-log-partitions'));
    BEGIN
        EXECUTE format('CREATE TABLE %I PARTITION OF log_lines FOR VALUES FROM (%L) TO (%L)', name,
                       (day::timestamp AT TIME ZONE 'UTC'), ((day + 1)::timestamp AT TIME ZONE 'UTC'));
    EXCEPTION WHEN duplicate_table THEN
        RETURN false;
    END;
    RETURN true;
END $$;

-- Drops the partitions whose whole day is older than `keep_days` days; returns their names.
CREATE FUNCTION drop_old_log_partitions(keep_days integer) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
    part record;
    cutoff date := (now() AT TIME ZONE 'UTC')::date - keep_days;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('lookout-log-partitions'));
    FOR part IN
        SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'log_lines'::regclass AND c.relname ~ '^log_lines_[0-9]{8}$'
          AND to_date(substr(c.relname, 11), 'YYYYMMDD') < cutoff
        ORDER BY c.relname
    LOOP
        EXECUTE format('DROP TABLE %I', part.relname);
        RETURN NEXT part.relname;
    END LOOP;
END $$;

-- Tenant-bound users search their tenant's lines only (migration 0002's role and function).
GRANT SELECT ON log_lines, log_services TO lookout_tenant;
ALTER TABLE log_lines ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_rows ON log_lines TO lookout_tenant USING (tenant = lookout_current_tenant());

-- Ingest-only API tokens (log shippers: Fluent Bit, Vector) may post lines and nothing else.
ALTER TABLE api_tokens DROP CONSTRAINT api_tokens_role_check;
ALTER TABLE api_tokens ADD CONSTRAINT api_tokens_role_check CHECK (role IN ('ingest', 'viewer', 'operator', 'admin'));
