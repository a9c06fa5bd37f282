-- 0006: the state of the tagging policy sync from AWS Organizations, one row. It says which
-- imported policy version is active (null: the policy file is) and why the last sync did or did
-- not change it, so get_tagging_policy and /health can show it. Written by the policySync
-- activity; cleared (active_version_id null, status 'disabled') when sync is turned off, and
-- a run still in flight then cannot re-activate anything (recordPolicySync skips a disabled row).
create table policy_sync_state (
  singleton boolean primary key default true check (singleton),
  status text not null check (status in ('pending', 'imported', 'unchanged', 'no_policy', 'access_denied', 'failed', 'disabled')),
  reason text,                          -- our own words: why nothing was imported, or what was not applied
  active_version_id bigint references policy_versions (id),
  source text,                          -- 'aws-organizations:<policy id>[,<policy id>…]' of the active version
  target_id text,                       -- the account (or OU) whose effective policy was read
  policy_ids jsonb,                     -- the Organizations policies merged, in inheritance order
  unsupported jsonb,                    -- operators seen and not applied: [{policyId, path, name}]
  checked_at timestamptz not null default now(),
  changed_at timestamptz                -- when active_version_id last changed
);
