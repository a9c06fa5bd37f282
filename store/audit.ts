// The audit log: one row per tool call (who, which tool, redacted params, outcome, duration).
import { isoTime, jsonParam, positiveLimit } from './columns.js';
import type { Db } from './db.js';

export interface AuditEntry {
  actor?: string | null;
  sessionId?: string | null;
  tool: string;
  /** Already redacted by the caller; the store only escapes what PostgreSQL cannot store (storableText). */
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

const COLUMN_COUNT = 8;
/** Rows per INSERT: 500 x 8 parameters stays far below PostgreSQL's 65,535. */
export const AUDIT_BATCH_SIZE = 500;

function insertSql(rows: number): string {
  const values = Array.from({ length: rows }, (_, r) => {
    const n = r * COLUMN_COUNT;
    return `($${n + 1}, $${n + 2}, $${n + 3}, $${n + 4}::jsonb, $${n + 5}, $${n + 6}, $${n + 7}, $${n + 8})`;
  });
  return `insert into audit_log (actor, session_id, tool, params, outcome, duration_ms, correlation_id, error)
    values ${values.join(', ')} returning ${COLUMNS}`;
}

/**
 * PostgreSQL (and PGlite) refuse NUL in text and jsonb, and a lone UTF-16 surrogate in jsonb, so a
 * row quoting one would be lost with the call it records. They are stored as the visible escapes
 * `\u0000` / `\ud800` instead: the row is written and a reader sees what was sent.
 */
// eslint-disable-next-line no-control-regex -- matching NUL is the point
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export function storableText(text: string): string {
  return text.replace(UNSTORABLE, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function storableTextOrNull(text: string | null | undefined): string | null {
  return text === null || text === undefined ? null : storableText(String(text));
}

/** A JSON value with every string and key made storable (see storableText). */
function storableJson(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return storableText(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth > 64) return storableText(JSON.stringify(value));
  if (Array.isArray(value)) return value.map((item) => storableJson(item, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [storableText(k), storableJson(v, depth + 1)]));
}

function paramsOf(entry: AuditEntry): unknown[] {
  return [storableTextOrNull(entry.actor), storableTextOrNull(entry.sessionId), storableText(String(entry.tool)),
    jsonParam(storableJson(entry.params)), storableText(String(entry.outcome)), entry.durationMs ?? null,
    storableTextOrNull(entry.correlationId), storableTextOrNull(entry.error)];
}

/** Audit rows that could not be written even alone: /health shows these. */
export interface AuditFailures {
  failedWrites: number;
  lastFailureAt: string | null;
}

interface Pending {
  entry: AuditEntry;
  resolve(record: AuditRecord): void;
  reject(err: unknown): void;
}

/**
 * Group commit: the first row is inserted at once; rows recorded while an insert is in flight
 * queue up and go together in one multi-row INSERT when it finishes. Under load that is one
 * round trip for many tool calls, with no added delay when idle, and every caller still waits
 * for its own row to be written (or learns that it was not).
 */
class AuditWriter {
  private queue: Pending[] = [];
  private inFlight: Promise<void> | undefined;
  readonly failures: AuditFailures = { failedWrites: 0, lastFailureAt: null };

  constructor(private readonly db: Db) {}

  record(entry: AuditEntry): Promise<AuditRecord> {
    return new Promise((resolve, reject) => {
      this.queue.push({ entry, resolve, reject });
      this.inFlight ??= this.drain();
    });
  }

  /** Resolves when every row recorded so far has been written or has failed. */
  async flush(): Promise<void> {
    while (this.inFlight) await this.inFlight;
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) await this.write(this.queue.splice(0, AUDIT_BATCH_SIZE));
    this.inFlight = undefined;
  }

  private async write(batch: Pending[]): Promise<void> {
    let rows: AuditRow[];
    try {
      rows = await this.db.query<AuditRow>(insertSql(batch.length), batch.flatMap((p) => paramsOf(p.entry)));
    } catch (err) {
      if (batch.length === 1) {
        this.failures.failedWrites++;
        this.failures.lastFailureAt = new Date().toISOString();
        return batch[0]!.reject(err);
      }
      // One bad row (or a dropped connection) fails the whole statement: retry row by row, in
      // order, so each caller gets its own row's outcome and good rows are not lost with it.
      for (const pending of batch) await this.write([pending]);
      return;
    }
    // Identity ids follow the order of the VALUES list, so sorted ids pair up with the batch.
    rows.sort((a, b) => a.id - b.id);
    batch.forEach((pending, i) => {
      const row = rows[i];
      if (row) pending.resolve(toRecord(row));
      else pending.reject(new Error(`audit insert returned ${rows.length} rows for ${batch.length}`));
    });
  }
}

export function createAuditQueries(db: Db) {
  const writer = new AuditWriter(db);
  return {
    /** Writes one audit row; concurrent calls are group-committed (see AuditWriter). */
    recordAudit(entry: AuditEntry): Promise<AuditRecord> {
      return writer.record(entry);
    },

    /** Waits for queued audit rows: call before closing the database. */
    flushAudit(): Promise<void> {
      return writer.flush();
    },

    /** Rows that failed for good since this store was opened (after the row-by-row retry). */
    auditFailures(): AuditFailures {
      return { ...writer.failures };
    },

    /** Newest first. */
    async listAudit(opts: { limit: number }): Promise<AuditRecord[]> {
      const rows = await db.query<AuditRow>(
        `select ${COLUMNS} from audit_log order by at desc, id desc limit $1`, [positiveLimit(opts.limit, MAX_PAGE)]);
      return rows.map(toRecord);
    },
  };
}
