-- 0007: Cost Explorer responses, cached because every CE request is billed ($0.01). One row per
-- (account, operation, period, grouping, filter): the merged result of every page, and how many
-- requests (pages) it took, which is what a hit saves. Freshness is the reader's TTL on fetched_at.
create table cost_explorer_cache (
  account text not null,                -- the account whose Cost Explorer answered (management / payer)
  operation text not null,              -- GetCostAndUsage | GetCostAndUsageWithResources
  period text not null,                 -- 'YYYY-MM-DD..YYYY-MM-DD' (End exclusive)
  grouping text not null,               -- e.g. 'SERVICE,LINKED_ACCOUNT', 'TAG:CostCenter'
  filter text not null,                 -- canonical JSON of the Filter expression ('null' when none)
  result jsonb not null,
  pages integer not null check (pages >= 1),
  fetched_at timestamptz not null default now(),
  primary key (account, operation, period, grouping, filter)
);
