-- 0001: policy versions, scans, scan resources and the audit log.
-- Applied migrations are immutable (the runner checks their checksum): change the schema with a new file.

-- Every tagging policy a scan was evaluated against, deduplicated by the hash of its canonical JSON.
create table policy_versions (
  id bigint generated always as identity primary key,
  hash text not null unique,                -- sha256 hex of the canonical (sorted-key) policy JSON
  source text not null,                     -- 'file:<path>', 'aws-organizations:<policy id>', 'inline'
  document jsonb not null,
  created_at timestamptz not null default now()
);

create table scans (
  id text primary key,
  workflow_id text not null,
  trigger text not null check (trigger in ('adhoc', 'scheduled')),
  scope jsonb not null default '{}',
  scope_hash text,
  policy_version_id bigint references policy_versions (id),
  status text not null default 'running' check (status in ('running', 'completed', 'failed', 'cancelled')),
  started_at timestamptz not null default now(),
  finished_at timestamptz,
  totals jsonb,                             -- free-form: {total, compliant, ...}
  store_snapshot boolean not null default false,
  data_quality jsonb                        -- {status: 'complete' | 'partial', missing: [...]}
);

-- The result cache: the latest completed scan of a scope.
create index scans_latest_completed_idx on scans (scope_hash, finished_at desc) where status = 'completed';
-- History and trends: snapshots by the time their data was complete.
create index scans_snapshots_idx on scans (finished_at desc) where store_snapshot;
create index scans_started_idx on scans (started_at desc);

-- One row per resource per scan, written by shard activities with upserts so retries are harmless.
-- At scale (tens of millions of rows a day) this becomes partitioned by scan date with a retention
-- window; the primary key then gains the partition column.
create table scan_resources (
  scan_id text not null references scans (id) on delete cascade,
  resource_id text collate "C" not null,    -- byte order: keyset pages are the same on every server
  cloud text not null check (cloud in ('aws', 'azure', 'gcp')),
  account text not null,
  region text not null,
  resource_type text not null,              -- service:kind
  name text,
  tags jsonb not null default '{}',
  state text,
  created_at timestamptz,                   -- when the cloud resource was created, when known
  compliant boolean not null,
  violations jsonb not null default '[]',
  monthly_cost numeric,
  primary key (scan_id, resource_id)
);

-- Violations of a scan, paged by resource id.
create index scan_resources_compliance_idx on scan_resources (scan_id, compliant, resource_id);

-- Every tool call: who, what (params redacted by the caller), how it ended.
create table audit_log (
  id bigint generated always as identity primary key,
  at timestamptz not null default now(),
  actor text,
  session_id text,
  tool text not null,
  params jsonb,
  outcome text not null,
  duration_ms integer,
  correlation_id text,
  error text
);

create index audit_log_at_idx on audit_log (at desc);
