-- 0009: the call guard admits a batch of calls in one round trip. Under load a replica queues the
-- calls that arrive while its previous batch is in flight and sends them together (group admission,
-- mcp-gateway/guard/admission-queue.ts), so a principal's calls no longer queue one round trip each
-- on its advisory lock. The verdicts are exactly those of call_guard_admit (0004) applied to the
-- calls one after another in array order: every principal of the batch is locked first, in key
-- order so two replicas' batches cannot deadlock, each counter is read once, the calls are decided
-- in order against running counts, and the admitted ones are added in one upsert.
-- Returns one row per call, in array order (callers add `with ordinality`).
create function call_guard_admit_batch(
  p_now bigint,
  p_principals text[], p_calls text[],
  p_budgets integer[], p_budget_expires_at bigint[],
  p_max_identical integer[], p_loop_expires_at bigint[]
) returns table (verdict text, calls integer, frees_at_ms bigint)
language plpgsql as $$
declare
  n integer := coalesce(array_length(p_principals, 1), 0);
  budget_counters text[];
  loop_counters text[];
  keys text[];      -- every counter of the batch, once
  used integer[];   -- calls counting in keys[k], kept current as the batch is admitted
  frees bigint[];   -- when the oldest step of keys[k] stops counting
  add_counters text[] := '{}';
  add_expires bigint[] := '{}';
  lock_key bigint;
  b integer;
  l integer;
begin
  if n = 0 then
    return;
  end if;
  select array_agg('budget:' || t.p order by t.o), array_agg('loop:' || t.c order by t.o)
    into budget_counters, loop_counters
    from unnest(p_principals, p_calls) with ordinality as t(p, c, o);
  for lock_key in select distinct hashtextextended(k, 0) from unnest(budget_counters) as k order by 1 loop
    perform pg_advisory_xact_lock(lock_key);
  end loop;
  select array_agg(distinct k) into keys from unnest(budget_counters || loop_counters) as k;
  delete from call_guard_counts c where c.counter = any(keys) and c.expires_at_ms <= p_now;
  select array_agg(coalesce(s.used, 0) order by k.o), array_agg(s.frees order by k.o) into used, frees
    from unnest(keys) with ordinality as k(counter, o)
    left join lateral (
      select sum(c.calls)::integer as used, min(c.expires_at_ms) as frees from call_guard_counts c where c.counter = k.counter
    ) s on true;
  for i in 1..n loop
    b := array_position(keys, budget_counters[i]);
    l := array_position(keys, loop_counters[i]);
    if used[b] >= p_budgets[i] then
      verdict := 'budget'; calls := used[b]; frees_at_ms := frees[b];
    elsif used[l] >= p_max_identical[i] then
      verdict := 'loop'; calls := used[l]; frees_at_ms := frees[l];
    else
      used[b] := used[b] + 1;
      used[l] := used[l] + 1;
      frees[b] := least(frees[b], p_budget_expires_at[i]);
      frees[l] := least(frees[l], p_loop_expires_at[i]);
      add_counters := add_counters || budget_counters[i] || loop_counters[i];
      add_expires := add_expires || p_budget_expires_at[i] || p_loop_expires_at[i];
      verdict := 'admitted'; calls := used[b]; frees_at_ms := null;
    end if;
    return next;
  end loop;
  insert into call_guard_counts as c (counter, expires_at_ms, calls)
    select a.counter, a.expires_at_ms, count(*)::integer
      from unnest(add_counters, add_expires) as a(counter, expires_at_ms)
      group by a.counter, a.expires_at_ms
    on conflict (counter, expires_at_ms) do update set calls = c.calls + excluded.calls;
end
$$;
