-- The candidate chunks of a search, for every user through the trigram index.
--
-- Row-level security applies a tenant-bound user's policy first, and lets no operator
-- that is not leakproof run before it; array containment (`@>`) is not leakproof, so for
-- those users PostgreSQL read every chunk of the range and its trigram array (about 0.4 s a
-- day) instead of the index (about 10 ms). This function runs as the tables' owner, uses the
-- index, and applies the policy itself. Unbound is only a caller that has not SET ROLE and
-- whose login has the owner's privileges (Lookout itself, unscoped); every other caller,
-- among them a tenant-bound one (role lookout_tenant, which SECURITY DEFINER leaves in the
-- `role` setting) or another database's owner who was granted lookout_tenant, gets the
-- chunks of `lookout.tenant` only. It returns chunk numbers and times; the lines themselves
-- are still read under the policy. `@>` is named with its schema: running as the owner, it
-- must not resolve to an operator someone else created.
-- Sequential scans are off inside: the planner rightly expects a term's common trigrams to
-- match most chunks, and would then read the arrays rather than the index.
CREATE FUNCTION log_chunk_candidates(required integer[], since timestamptz, until timestamptz, newest timestamptz,
                                     after_at timestamptz, after_id bigint, most integer)
RETURNS TABLE (id bigint, last_at timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp SET enable_seqscan = off AS $$
    SELECT c.id, c.last_at FROM log_chunks c
    WHERE c.trigrams OPERATOR(pg_catalog.@>) required
      AND c.last_at >= since AND c.first_at >= since - interval '1 day' AND c.first_at < until AND c.first_at <= newest
      AND (after_at IS NULL OR (c.last_at, c.id) < (after_at, after_id))
      AND ((current_setting('role') = 'none'
            AND pg_has_role(session_user, (SELECT relowner FROM pg_class WHERE oid = 'log_chunks'::regclass), 'USAGE'))
           OR c.tenant = lookout_current_tenant())
    ORDER BY c.last_at DESC, c.id DESC
    LIMIT most
$$;
REVOKE ALL ON FUNCTION log_chunk_candidates(integer[], timestamptz, timestamptz, timestamptz, timestamptz, bigint, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION log_chunk_candidates(integer[], timestamptz, timestamptz, timestamptz, timestamptz, bigint, integer) TO lookout_tenant;
