-- 0005: one row per notification of a scheduled scan (scan id, kind, channel), claimed before the
-- send so a retried activity never sends it twice. status: 'sending' while a send is under way
-- (or after a crash during one: then it is never re-sent, see store/notifications.ts), 'sent',
-- 'failed' (refused before delivery: the next attempt may claim it again), or 'unknown' (the
-- connection broke after the message went out: it may have arrived, so it is never re-sent).
create table scan_notifications (
  scan_id text not null,
  kind text not null,              -- 'failed' | 'partial' | 'score_below'
  channel text not null,           -- 'email' | 'webhook'
  status text not null check (status in ('sending', 'sent', 'failed', 'unknown')),
  attempts integer not null default 1,
  last_error text,
  claimed_at timestamptz not null default now(),
  sent_at timestamptz,
  primary key (scan_id, kind, channel)
);
