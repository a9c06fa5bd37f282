-- 0011: per-principal quotas (calls per minute, scans per UTC day) in fixed windows, shared by
-- every gateway replica. One row per quota, principal digest and window: a call takes a unit with
-- one upsert that adds only while the window has room, so two replicas can never both take the
-- last unit (the row lock of ON CONFLICT DO UPDATE orders them). Only a SHA-256 digest of the
-- principal is stored, as in call_guard_counts. Logged (unlike the call guard's counts): a crash
-- must not hand every principal a fresh day of scans.
create table principal_quota_counts (
  quota text not null,             -- 'calls' (per minute) or 'scans' (per UTC day)
  principal text not null,         -- sha256 hex of the principal (mcp-gateway/guard/fingerprint.ts)
  window_start_ms bigint not null, -- start of the fixed window (ms since the epoch, aligned to it)
  expires_at_ms bigint not null,   -- end of the window: the row is swept after it
  used integer not null check (used >= 0),
  primary key (quota, principal, window_start_ms)
);
create index principal_quota_counts_expiry on principal_quota_counts (expires_at_ms);
