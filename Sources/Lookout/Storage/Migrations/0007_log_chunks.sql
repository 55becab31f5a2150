-- Text search through chunks of lines, not through every line (docs/logs.md, "Chunks").
--
-- The trigram GIN index on every message cost PostgreSQL about half of its work per stored
-- line (15 of 31-36 us): about 40 entries per line into the pending list, then the merge.
-- Ingestion stopped at 46,000 lines/s sustained; with no message index at all it ran at
-- 106,000 (scripts/bench/logs, 60 s). Lines of one batch share most of their trigrams, so
-- the index now has one row per chunk of up to 128 lines of the same day and tenant,
-- holding the set of the chunk's trigrams: about 5 entries per line instead of 40.
--
-- A search asks the chunk index which chunks hold every trigram of the term, reads those
-- chunks' lines through log_lines_chunk, and tests each line with ILIKE or the regex as
-- before: the answer is exactly what a scan would give. Lines written without a chunk (by
-- hand, with SQL) are found through log_lines_unchunked, which holds only them.
--
-- A trigram is three consecutive bytes of the message once ASCII letters are lowercased
-- (and the two non-ASCII letters whose lowercase is ASCII, KELVIN SIGN and LATIN CAPITAL I
-- WITH DOT ABOVE, mapped to theirs), all three below 128; any other byte breaks the run.
-- Code: b1 << 14 | b2 << 7 | b3. Lookout computes the same in Swift (LogTrigrams), and a
-- test holds the two to agree. A term's trigrams are taken from its ASCII runs only, so no
-- lowercasing rule of the database can make a line match that its chunk does not admit,
-- as long as the collation lowercases ASCII letters to ASCII ones (C, C.UTF-8, en_US; not
-- tr_TR, where "I" lowercases to a dotless i).
CREATE FUNCTION log_trigrams(message text) RETURNS int[] LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    -- MATERIALIZED: inlined, every get_byte would convert the whole text again.
    WITH s AS MATERIALIZED (
        SELECT convert_to(translate(message, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ' || U&'\212A\0130', 'abcdefghijklmnopqrstuvwxyzki'), 'UTF8') AS b
    )
    SELECT coalesce(array_agg(DISTINCT (get_byte(b, i) << 14) | (get_byte(b, i + 1) << 7) | get_byte(b, i + 2)), '{}')
    FROM s, generate_series(0, length(b) - 3) AS i
    WHERE get_byte(b, i) < 128 AND get_byte(b, i + 1) < 128 AND get_byte(b, i + 2) < 128
$$;

CREATE SEQUENCE log_chunks_id_seq CACHE 100;

-- All lines of a chunk are of one UTC day, so a chunk lives in the partition of its day
-- and is dropped with that day's lines.
CREATE TABLE log_chunks (
    id        bigint NOT NULL,
    first_at  timestamptz NOT NULL,
    last_at   timestamptz NOT NULL,
    tenant    text,
    trigrams  integer[] NOT NULL
) PARTITION BY RANGE (first_at);

ALTER TABLE log_lines ADD COLUMN chunk bigint;

-- The old index goes first: the backfill below rewrites every line once.
DROP INDEX log_lines_message;

-- Partitions of log_lines and log_chunks are made and dropped together.
CREATE OR REPLACE FUNCTION ensure_log_partition(day date) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
    suffix text := to_char(day, 'YYYYMMDD');
    made boolean := false;
    kind text;
BEGIN
    IF to_regclass('log_lines_' || suffix) IS NOT NULL AND to_regclass('log_chunks_' || suffix) IS NOT NULL THEN
        RETURN false;
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext('lookout-log-partitions'));
    FOREACH kind IN ARRAY ARRAY['log_lines', 'log_chunks'] LOOP
        BEGIN
            EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)', kind || '_' || suffix, kind,
                           (day::timestamp AT TIME ZONE 'UTC'), ((day + 1)::timestamp AT TIME ZONE 'UTC'));
            made := true;
        EXCEPTION WHEN duplicate_table THEN
            NULL;
        END;
    END LOOP;
    RETURN made;
END $$;

CREATE OR REPLACE FUNCTION drop_old_log_partitions(keep_days integer) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
    part record;
    cutoff date := (now() AT TIME ZONE 'UTC')::date - keep_days;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('lookout-log-partitions'));
    FOR part IN
        SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent IN ('log_lines'::regclass, 'log_chunks'::regclass)
          AND c.relname ~ '^log_(lines|chunks)_[0-9]{8}$'
          AND to_date(right(c.relname, 8), 'YYYYMMDD') < cutoff
        ORDER BY right(c.relname, 8), c.relname DESC
    LOOP
        EXECUTE format('DROP TABLE %I', part.relname);
        IF part.relname LIKE 'log_lines_%' THEN
            RETURN NEXT part.relname;
        END IF;
    END LOOP;
END $$;

-- A chunk partition for every day that has lines.
SELECT ensure_log_partition(to_date(right(c.relname, 8), 'YYYYMMDD'))
FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
WHERE i.inhparent = 'log_lines'::regclass AND c.relname ~ '^log_lines_[0-9]{8}$';

-- The lines stored so far, in chunks of 128 by id within each day and tenant.
CREATE TEMPORARY TABLE backfill ON COMMIT DROP AS
    SELECT id, at, tenant, message, (at AT TIME ZONE 'UTC')::date AS day,
           (row_number() OVER (PARTITION BY (at AT TIME ZONE 'UTC')::date, tenant ORDER BY id) - 1) / 128 AS n
    FROM log_lines;
CREATE TEMPORARY TABLE backfill_chunks ON COMMIT DROP AS
    SELECT day, tenant, n, nextval('log_chunks_id_seq') AS chunk, min(at) AS first_at, max(at) AS last_at,
           log_trigrams(string_agg(message, U&'\0080')) AS trigrams
    FROM backfill GROUP BY day, tenant, n;
INSERT INTO log_chunks (id, first_at, last_at, tenant, trigrams)
    SELECT chunk, first_at, last_at, tenant, trigrams FROM backfill_chunks;
UPDATE log_lines l SET chunk = c.chunk
    FROM backfill b JOIN backfill_chunks c ON c.day = b.day AND c.tenant IS NOT DISTINCT FROM b.tenant AND c.n = b.n
    WHERE l.id = b.id AND l.at = b.at;

-- Which chunks hold every trigram of a term: `trigrams @> '{...}'`, exact (no recheck).
CREATE INDEX log_chunks_trigrams ON log_chunks USING gin (trigrams);
-- The lines of a chunk. A chunk's ids repeat 128 times: the b-tree keeps them as one
-- posting list.
CREATE INDEX log_lines_chunk ON log_lines (chunk) WHERE chunk IS NOT NULL;
-- Lines stored without a chunk, newest first: searched line by line (normally none).
CREATE INDEX log_lines_unchunked ON log_lines (at DESC, id DESC) WHERE chunk IS NULL;

GRANT SELECT ON log_chunks TO lookout_tenant;
ALTER TABLE log_chunks ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_rows ON log_chunks TO lookout_tenant USING (tenant = lookout_current_tenant());
