// Dashboard sessions: stored by the hash of their id only (the cookie holds the id), with a fixed
// expiry, in the shared database so every gateway replica recognises them.
import { isoTime } from './columns.js';
import type { Db } from './db.js';

export interface DashboardSession {
  actor: string;
  createdAt: string;
  expiresAt: string;
}

export function createDashboardSessionQueries(db: Db) {
  return {
    /** Records a session; expired sessions of anyone are purged on the way (logins are rare). */
    async createDashboardSession(idHash: string, actor: string, ttlSeconds: number): Promise<DashboardSession> {
      await db.query('delete from dashboard_sessions where expires_at < now()');
      const [row] = await db.query<{ actor: string; created_at: Date; expires_at: Date }>(
        `insert into dashboard_sessions (id_hash, actor, expires_at)
         values ($1, $2, now() + make_interval(secs => $3::float8))
         returning actor, created_at, expires_at`, [idHash, actor, ttlSeconds]);
      return { actor: row!.actor, createdAt: isoTime(row!.created_at), expiresAt: isoTime(row!.expires_at) };
    },

    /** The live session with this id hash; undefined when unknown or expired. */
    async findDashboardSession(idHash: string): Promise<DashboardSession | undefined> {
      const [row] = await db.query<{ actor: string; created_at: Date; expires_at: Date }>(
        'select actor, created_at, expires_at from dashboard_sessions where id_hash = $1 and expires_at > now()', [idHash]);
      return row && { actor: row.actor, createdAt: isoTime(row.created_at), expiresAt: isoTime(row.expires_at) };
    },

    async deleteDashboardSession(idHash: string): Promise<void> {
      await db.query('delete from dashboard_sessions where id_hash = $1', [idHash]);
    },
  };
}
