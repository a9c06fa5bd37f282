// The audit log: one row per tool call (who, which tool, redacted params, outcome, duration).
import { isoTime, jsonParam, positiveLimit } from './columns.js';
import type { Db } from './db.js';

export interface AuditEntry {
  actor?: string | null;
  sessionId?: string | null;
  tool: string;
  /** Already redacted by the caller: the store writes what it is given. */
  params?: unknown;
  outcome: string;
  durationMs?: number | null;
  correlationId?: string | null;
  error?: string | null;
}

export interface AuditRecord {
  id: number;
  at: string;
  actor: string | null;
  sessionId: string | null;
  tool: string;
  params: unknown;
  outcome: string;
  durationMs: number | null;
  correlationId: string | null;
  error: string | null;
}

interface AuditRow {
  id: number;
  at: Date;
  actor: string | null;
  session_id: string | null;
  tool: string;
  params: unknown;
  outcome: string;
  duration_ms: number | null;
  correlation_id: string | null;
  error: string | null;
}

const COLUMNS = 'id, at, actor, session_id, tool, params, outcome, duration_ms, correlation_id, error';
const MAX_PAGE = 1000;

function toRecord(row: AuditRow): AuditRecord {
  return {
    id: row.id,
    at: isoTime(row.at),
    actor: row.actor,
    sessionId: row.session_id,
    tool: row.tool,
    params: row.params,
    outcome: row.outcome,
    durationMs: row.duration_ms,
    correlationId: row.correlation_id,
    error: row.error,
  };
}

export function createAuditQueries(db: Db) {
  return {
    async recordAudit(entry: AuditEntry): Promise<AuditRecord> {
      const [row] = await db.query<AuditRow>(
        `insert into audit_log (actor, session_id, tool, params, outcome, duration_ms, correlation_id, error)
         values ($1, $2, $3, $4::jsonb, $5, $6, $7, $8) returning ${COLUMNS}`,
        [entry.actor ?? null, entry.sessionId ?? null, entry.tool, jsonParam(entry.params), entry.outcome,
          entry.durationMs ?? null, entry.correlationId ?? null, entry.error ?? null]);
      return toRecord(row!);
    },

    /** Newest first. */
    async listAudit(opts: { limit: number }): Promise<AuditRecord[]> {
      const rows = await db.query<AuditRow>(
        `select ${COLUMNS} from audit_log order by at desc, id desc limit $1`, [positiveLimit(opts.limit, MAX_PAGE)]);
      return rows.map(toRecord);
    },
  };
}
