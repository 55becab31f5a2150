-- Access (docs/access.md): users, sessions, API tokens, sign-in throttling, the audit log,
-- and tenant isolation enforced by row-level security.

-- bcrypt through crypt()/gen_salt('bf'); pgcrypto is a trusted extension (PostgreSQL 13+),
-- so the database owner may create it without being a superuser.
CREATE EXTENSION IF NOT EXISTS pgcrypto;

CREATE TABLE users (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name           text NOT NULL CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$'),
    password_hash  text NOT NULL,
    role           text NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
    tenant         text CHECK (tenant ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'),
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    -- an admin manages every tenant's users and tokens, so it cannot be bound to one
    CHECK (role <> 'admin' OR tenant IS NULL)
);
CREATE UNIQUE INDEX users_name ON users (lower(name));

-- The cookie holds a random 256-bit token; only its SHA-256 is stored, so a copy of this
-- table opens no session.
CREATE TABLE sessions (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    token_hash    bytea NOT NULL UNIQUE,
    user_id       bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token    text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_seen_at  timestamptz NOT NULL DEFAULT now(),
    address       text,
    user_agent    text
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_created ON sessions (created_at);

CREATE TABLE api_tokens (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    token_hash    bytea NOT NULL UNIQUE,
    -- the first characters, so a listed token can be recognised without being usable
    prefix        text NOT NULL,
    role          text NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
    tenant        text CHECK (tenant ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'),
    created_by    text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_used_at  timestamptz,
    revoked_at    timestamptz,
    CHECK (role <> 'admin' OR tenant IS NULL)
);

CREATE TABLE sign_in_failures (
    id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name     text NOT NULL,
    address  text NOT NULL,
    at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sign_in_failures_at ON sign_in_failures (at);
CREATE INDEX sign_in_failures_name ON sign_in_failures (lower(name), at);
CREATE INDEX sign_in_failures_address ON sign_in_failures (address, at);

CREATE TABLE audit_log (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    actor       text NOT NULL,
    actor_kind  text NOT NULL CHECK (actor_kind IN ('user', 'token', 'cli', 'anonymous')),
    tenant      text,
    action      text NOT NULL,
    target      text,
    detail      text,
    address     text,
    request_id  text
);
CREATE INDEX audit_log_actor ON audit_log (actor, id DESC);
CREATE INDEX audit_log_action ON audit_log (action, id DESC);

-- Tenancy (seed 004: "monitoring respects RLS policies"). Counters are kept per tenant so
-- a tenant's queue table shows its own depth; '' is the tenant of jobs that have none.
ALTER TABLE job_counts ADD COLUMN tenant text NOT NULL DEFAULT '';
ALTER TABLE job_counts DROP CONSTRAINT job_counts_pkey;
ALTER TABLE job_counts ADD PRIMARY KEY (queue, tenant, status);
ALTER TABLE job_count_deltas ADD COLUMN tenant text NOT NULL DEFAULT '';
ALTER TABLE job_throughput ADD COLUMN tenant text NOT NULL DEFAULT '';
ALTER TABLE job_throughput DROP CONSTRAINT job_throughput_pkey;
ALTER TABLE job_throughput ADD PRIMARY KEY (queue, tenant, minute);
ALTER TABLE job_throughput_deltas ADD COLUMN tenant text NOT NULL DEFAULT '';

-- Counts kept before this migration were not split by tenant: recount from the rows.
-- (Throughput history before it stays under '' and is shown to unbound users only.)
DELETE FROM job_count_deltas;
DELETE FROM job_counts;
INSERT INTO job_counts (queue, tenant, status, n)
    SELECT queue, coalesce(tenant, ''), status, count(*) FROM jobs GROUP BY 1, 2, 3;

-- The trigger functions write counters the tenant role may not write: they run as their
-- owner (SECURITY DEFINER) with a fixed search_path.
CREATE OR REPLACE FUNCTION jobs_count_insert() RETURNS trigger LANGUAGE plpgsql
SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
    INSERT INTO job_count_deltas (queue, tenant, status, delta)
        SELECT queue, coalesce(tenant, ''), status, count(*) FROM new_rows GROUP BY 1, 2, 3;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION jobs_count_delete() RETURNS trigger LANGUAGE plpgsql
SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
    INSERT INTO job_count_deltas (queue, tenant, status, delta)
        SELECT queue, coalesce(tenant, ''), status, -count(*) FROM old_rows GROUP BY 1, 2, 3;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION jobs_count_update() RETURNS trigger LANGUAGE plpgsql
SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
    INSERT INTO job_count_deltas (queue, tenant, status, delta)
        SELECT queue, tenant, status, sum(d) FROM (
            SELECT queue, coalesce(tenant, '') AS tenant, status, -1 AS d FROM old_rows
            UNION ALL
            SELECT queue, coalesce(tenant, ''), status, 1 FROM new_rows
        ) changes GROUP BY 1, 2, 3 HAVING sum(d) <> 0;
    INSERT INTO job_throughput_deltas (queue, tenant, minute, completed, failed)
        SELECT n.queue, coalesce(n.tenant, ''), date_trunc('minute', coalesce(n.finished_at, now())),
               count(*) FILTER (WHERE n.status = 'completed'), count(*) FILTER (WHERE n.status = 'failed')
        FROM new_rows n JOIN old_rows o ON o.id = n.id
        WHERE n.status IN ('completed', 'failed') AND o.status IS DISTINCT FROM n.status
        GROUP BY 1, 2, 3;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION fold_job_counts() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    WITH taken AS (DELETE FROM job_count_deltas RETURNING queue, tenant, status, delta),
         summed AS (SELECT queue, tenant, status, sum(delta) AS delta FROM taken GROUP BY 1, 2, 3)
    INSERT INTO job_counts AS c (queue, tenant, status, n)
        SELECT queue, tenant, status, delta FROM summed
        ON CONFLICT (queue, tenant, status) DO UPDATE SET n = c.n + excluded.n;
    WITH taken AS (DELETE FROM job_throughput_deltas RETURNING queue, tenant, minute, completed, failed),
         summed AS (SELECT queue, tenant, minute, sum(completed) AS completed, sum(failed) AS failed
                    FROM taken GROUP BY 1, 2, 3)
    INSERT INTO job_throughput AS t (queue, tenant, minute, completed, failed)
        SELECT queue, tenant, minute, completed, failed FROM summed
        ON CONFLICT (queue, tenant, minute) DO UPDATE SET completed = t.completed + excluded.completed,
                                                          failed = t.failed + excluded.failed;
    DELETE FROM job_throughput WHERE minute < now() - interval '2 days';
END $$;

-- The role every tenant-bound request runs under (SET LOCAL ROLE inside its transaction).
-- It is not the tables' owner and has no BYPASSRLS, so the policies below always apply to
-- it, whoever the application connects as. Roles are cluster-wide: another database of the
-- same cluster may have made it already, perhaps at this very moment.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'lookout_tenant') THEN
        BEGIN
            CREATE ROLE lookout_tenant NOLOGIN NOINHERIT NOBYPASSRLS;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
        END;
    END IF;
    IF NOT pg_has_role(current_user, 'lookout_tenant', 'MEMBER') THEN
        BEGIN
            EXECUTE format('GRANT lookout_tenant TO %I', current_user);
        EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
        END;
    END IF;
END $$;

GRANT SELECT ON job_queues TO lookout_tenant;
GRANT SELECT, UPDATE, DELETE ON jobs TO lookout_tenant;
GRANT SELECT, INSERT ON job_logs TO lookout_tenant;
GRANT USAGE ON SEQUENCE job_logs_id_seq TO lookout_tenant;
GRANT SELECT ON job_counts, job_count_deltas, job_throughput, job_throughput_deltas TO lookout_tenant;

-- `lookout.tenant` is set with set_config(..., true) for the transaction; unset (NULL, or ''
-- once a transaction that set it has ended) it matches nothing, so a request that forgot to
-- set it sees no rows at all. A SQL function this simple is inlined: indexes still serve.
CREATE FUNCTION lookout_current_tenant() RETURNS text LANGUAGE sql STABLE
    AS $$ SELECT nullif(current_setting('lookout.tenant', true), '') $$;

ALTER TABLE jobs ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_rows ON jobs TO lookout_tenant
    USING (tenant = lookout_current_tenant())
    WITH CHECK (tenant = lookout_current_tenant());

-- A job's history is visible exactly when its job is (the subquery is itself filtered).
ALTER TABLE job_logs ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_rows ON job_logs TO lookout_tenant
    USING (EXISTS (SELECT 1 FROM jobs j WHERE j.id = job_logs.job_id))
    WITH CHECK (EXISTS (SELECT 1 FROM jobs j WHERE j.id = job_logs.job_id));

ALTER TABLE job_counts ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_rows ON job_counts TO lookout_tenant USING (tenant = lookout_current_tenant());
ALTER TABLE job_count_deltas ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_rows ON job_count_deltas TO lookout_tenant USING (tenant = lookout_current_tenant());
ALTER TABLE job_throughput ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_rows ON job_throughput TO lookout_tenant USING (tenant = lookout_current_tenant());
ALTER TABLE job_throughput_deltas ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_rows ON job_throughput_deltas TO lookout_tenant USING (tenant = lookout_current_tenant());

-- Per-tenant oldest waiting job, for a tenant's "oldest wait" column.
CREATE INDEX jobs_waiting_tenant_since ON jobs (queue, tenant, run_at) WHERE status = 'waiting';
