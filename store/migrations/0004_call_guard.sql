-- 0004: the call guard's shared counters for sessionless (2026-07-28) MCP calls, so every gateway
-- replica enforces one call budget per principal and one loop window per identical call. Each
-- window is counted in 60 steps: one row per counter and step, holding its calls and the time
-- they stop counting, so an admission reads at most 61 rows whatever the limits. Only digests
-- are stored, never a principal or an argument. Unlogged: the counts are worth no WAL write per
-- tool call, and a crash that empties them only restarts the windows.
create unlogged table call_guard_counts (
  counter text not null,           -- 'budget:' || principal digest, or 'loop:' || call digest (sha256 hex)
  expires_at_ms bigint not null,   -- when the calls of this step stop counting (ms since the epoch)
  calls integer not null,
  primary key (counter, expires_at_ms)
);
create index call_guard_counts_expiry on call_guard_counts (expires_at_ms);

-- Counts and adds under one advisory lock per principal, so two replicas admitting calls of the
-- same principal at once cannot both take the last unit of its budget. One round trip per call;
-- each statement below reads a fresh snapshot, so it sees what the lock's previous holder committed.
-- Returns the verdict, the calls in the window that decided it, and when its oldest step expires.
create function call_guard_admit(
  p_principal text, p_call text, p_now bigint,
  p_budget integer, p_budget_expires_at bigint,
  p_max_identical integer, p_loop_expires_at bigint
) returns table (verdict text, calls integer, frees_at_ms bigint)
language plpgsql as $$
declare
  budget_counter text := 'budget:' || p_principal;
  loop_counter text := 'loop:' || p_call;
  used integer;
  same integer;
  frees bigint;
begin
  perform pg_advisory_xact_lock(hashtextextended(budget_counter, 0));
  delete from call_guard_counts c where c.counter in (budget_counter, loop_counter) and c.expires_at_ms <= p_now;
  select coalesce(sum(c.calls), 0), min(c.expires_at_ms) into used, frees from call_guard_counts c where c.counter = budget_counter;
  if used >= p_budget then
    return query select 'budget'::text, used, frees;
    return;
  end if;
  select coalesce(sum(c.calls), 0), min(c.expires_at_ms) into same, frees from call_guard_counts c where c.counter = loop_counter;
  if same >= p_max_identical then
    return query select 'loop'::text, same, frees;
    return;
  end if;
  insert into call_guard_counts as c (counter, expires_at_ms, calls) values
    (budget_counter, p_budget_expires_at, 1), (loop_counter, p_loop_expires_at, 1)
    on conflict (counter, expires_at_ms) do update set calls = c.calls + 1;
  return query select 'admitted'::text, used + 1, null::bigint;
end
$$;
