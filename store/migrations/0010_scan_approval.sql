-- 0010: the approval gate of big scans. A scan waits as 'awaiting_approval' with its plan until
-- someone approves it (approved_by/at), rejects it (rejected_by/at, rejection_reason) or the wait
-- expires (approval_expired_at); rejected and expired scans close as 'cancelled'.
alter table scans drop constraint if exists scans_status_check;
alter table scans add constraint scans_status_check
  check (status in ('running', 'awaiting_approval', 'completed', 'failed', 'cancelled'));
alter table scans
  add column plan_hash text,
  add column plan jsonb,                    -- {plan, estimates, reasons, requiresApproval}: small (targets capped)
  add column approved_by text,
  add column approved_at timestamptz,
  add column approval_note text,
  add column rejected_by text,
  add column rejected_at timestamptz,
  add column rejection_reason text,
  add column approval_expired_at timestamptz;

-- Dashboards list what waits for a person.
create index scans_awaiting_approval_idx on scans (started_at desc) where status = 'awaiting_approval';
