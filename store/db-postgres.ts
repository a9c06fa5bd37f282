// The PostgreSQL implementation of Db: a pg.Pool, with each transaction on a dedicated client.
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import pg from 'pg';
import { from as copyFromStdin } from 'pg-copy-streams';
import type { Db } from './db.js';
import { parseInt8, parseNumeric, PG_TYPE } from './db-parsers.js';
import { BrokenSessionError, runTransaction } from './db-transaction.js';

// Per-pool parsers, so other users of `pg` in the process keep the library defaults.
const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (format !== 'binary' && oid === PG_TYPE.INT8) return parseInt8;
    if (format !== 'binary' && oid === PG_TYPE.NUMERIC) return parseNumeric;
    return pg.types.getTypeParser(oid, format ?? 'text');
  }) as pg.CustomTypesConfig['getTypeParser'],
};

/** COPY ... FROM STDIN on one client; the stream's rowCount is what the server reported. */
async function copyOn(client: pg.PoolClient, target: string, rows: string): Promise<number> {
  const stream = client.query(copyFromStdin(`copy ${target} from stdin`));
  await pipeline(Readable.from([rows]), stream);
  return stream.rowCount ?? 0;
}

export async function openPostgres(opts: {
  url: string;
  poolMax: number;
  onIdleError?: (err: Error) => void;
}): Promise<Db> {
  const pool = new pg.Pool({ connectionString: opts.url, max: opts.poolMax, types });
  pool.on('error', opts.onIdleError ?? ((err) => process.emitWarning(`idle PostgreSQL connection failed: ${err.message}`)));
  try {
    await pool.query('select 1'); // fail at startup, not on the first tool call
  } catch (err) {
    await pool.end();
    throw err;
  }
  let closed = false;
  return {
    kind: 'postgres',
    async query<R>(sql: string, params?: unknown[]) {
      return (await pool.query(sql, params)).rows as R[];
    },
    async exec(sql: string) {
      await pool.query(sql); // no parameters: the simple protocol, which accepts several statements
    },
    async copyFrom(target: string, rows: string) {
      const client = await pool.connect();
      let failed: Error | undefined;
      try {
        return await copyOn(client, target, rows);
      } catch (err) {
        // A COPY the server rejected ends cleanly; one cut short by the client may not: drop it.
        if (!(err as { code?: string }).code) failed = err as Error;
        throw err;
      } finally {
        client.release(failed);
      }
    },
    async transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      let broken: Error | undefined;
      try {
        return await runTransaction('postgres', {
          query: async (sql, params) => (await client.query(sql, params)).rows,
          exec: async (sql) => { await client.query(sql); },
          copyFrom: (target, rows) => copyOn(client, target, rows),
        }, fn);
      } catch (err) {
        if (err instanceof BrokenSessionError) broken = err;
        throw err;
      } finally {
        client.release(broken); // an error here destroys the connection instead of pooling it
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
}
