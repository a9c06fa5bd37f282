-- 0002: every target a scan could not read (an account, or an account's region x type shard),
-- with the reason. Keyed by target so a retried record is a no-op; the workflow keeps only a
-- capped list in its history, this table keeps all of them.
create table scan_failures (
  scan_id text not null references scans (id) on delete cascade,
  target text not null,                    -- account[/region[/resource type]]
  account text not null,
  region text,
  resource_type text,
  error_type text not null,                -- AccessDenied, RegionNotEnabled, ...
  reason text not null,
  recorded_at timestamptz not null default now(),
  primary key (scan_id, target)
);

-- Breakdowns of a scan by account and by region.
create index scan_resources_account_idx on scan_resources (scan_id, account);
