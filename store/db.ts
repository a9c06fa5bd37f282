// The small database interface the rest of the system codes against, so the same store runs on
// a PostgreSQL pool (team deployments) or an embedded PGlite data directory (one machine).
import { openPglite } from './db-pglite.js';
import { openPostgres } from './db-postgres.js';

export interface Db {
  readonly kind: 'postgres' | 'pglite';
  /** One statement with `$1` parameters. bigint (int8) and numeric columns come back as JS numbers. */
  query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R[]>;
  /** A script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
  /**
   * Bulk-loads `rows`, in COPY's text format, into `target` (`table (col, ...)`). All or nothing,
   * like one INSERT; returns the number of rows loaded. Far cheaper than INSERT for large batches.
   */
  copyFrom(target: string, rows: string): Promise<number>;
  /**
   * Runs `fn` in a transaction: committed when it resolves, rolled back when it throws.
   * Use the `tx` handle inside; calling `transaction` on `tx` nests with a savepoint.
   */
  transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface OpenDbOptions {
  /** A PostgreSQL URL. Unset: embedded PGlite in `dataDir`. */
  databaseUrl?: string;
  /** PGlite data directory (created when missing); `memory://` for a throwaway database. */
  dataDir?: string;
  /** Pool size for PostgreSQL. */
  poolMax?: number;
  /** Errors of idle pooled connections (e.g. a server restart); default: a process warning. */
  onIdleError?: (err: Error) => void;
}

export const DEFAULT_PGLITE_DIR = '.data/pglite';

export async function openDb(opts: OpenDbOptions = {}): Promise<Db> {
  if (opts.databaseUrl) {
    return openPostgres({ url: opts.databaseUrl, poolMax: opts.poolMax ?? 10, onIdleError: opts.onIdleError });
  }
  return openPglite(opts.dataDir ?? DEFAULT_PGLITE_DIR);
}
