-- 0012: dashboard sessions. A browser logs in once with an API key (or OAuth token) and gets a
-- random session id in an HttpOnly cookie; only its SHA-256 is stored here, so a database dump
-- cannot be replayed as a cookie. Rows live in the shared database so any gateway replica can
-- serve any request of the session; expired rows are deleted by the next login.
create table dashboard_sessions (
  id_hash text primary key,            -- sha256 hex of the session id (the cookie value)
  actor text not null,                 -- who logged in, as the audit log names them (key:abcd1234, oauth subject)
  created_at timestamptz not null default now(),
  expires_at timestamptz not null
);
create index dashboard_sessions_expires_at on dashboard_sessions (expires_at);
