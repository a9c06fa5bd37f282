// The embedded implementation of Db: PGlite on a file data directory. PGlite is one connection,
// so a transaction holds a mutex; statements from other callers wait instead of landing inside it.
import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import type { Db } from './db.js';
import { parseInt8, parseNumeric, PG_TYPE } from './db-parsers.js';
import { runTransaction, type Session } from './db-transaction.js';

export async function openPglite(dataDir: string): Promise<Db> {
  if (!dataDir.includes('://')) await mkdir(dataDir, { recursive: true });
  const pglite = await PGlite.create(dataDir, {
    parsers: { [PG_TYPE.INT8]: parseInt8, [PG_TYPE.NUMERIC]: parseNumeric },
  });
  const session: Session = {
    query: async (sql, params) => (await pglite.query<Record<string, unknown>>(sql, params)).rows,
    exec: async (sql) => { await pglite.exec(sql); },
    // PGlite reads COPY data from the blob passed with the statement.
    copyFrom: async (target, rows) => (await pglite.query(`copy ${target} from '/dev/blob'`, [], { blob: new Blob([rows]) })).affectedRows ?? 0,
  };
  const mutex = new Mutex();
  let closed = false;
  const open = () => {
    if (closed) throw new Error('the PGlite database is closed');
  };

  return {
    kind: 'pglite',
    async query<R>(sql: string, params?: unknown[]) {
      open();
      return (await mutex.run(() => session.query(sql, params))) as R[];
    },
    async exec(sql: string) {
      open();
      await mutex.run(() => session.exec(sql));
    },
    async copyFrom(target: string, rows: string) {
      open();
      return mutex.run(() => session.copyFrom(target, rows));
    },
    async transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
      open();
      return mutex.run(() => runTransaction('pglite', session, fn));
    },
    async close() {
      if (closed) return;
      closed = true;
      await mutex.run(() => pglite.close()); // after whatever is queued has finished
    },
  };
}

/**
 * A promise-chain mutex. Re-entering it from the callback that holds it (using the outer Db inside
 * a transaction instead of the `tx` handle) would wait forever, so that throws instead.
 */
class Mutex {
  private tail: Promise<unknown> = Promise.resolve();
  // Async context of the current holder; `active` turns false on release, so work the holder
  // left scheduled (a timer, say) may take the mutex later like anyone else.
  private readonly holder = new AsyncLocalStorage<{ mutex: Mutex; active: boolean }>();

  run<T>(fn: () => Promise<T>): Promise<T> {
    const current = this.holder.getStore();
    if (current?.mutex === this && current.active) {
      return Promise.reject(new Error('the outer Db was used inside one of its transactions; use the transaction handle (tx)'));
    }
    const result = this.tail.then(async () => {
      const hold = { mutex: this, active: true };
      try {
        return await this.holder.run(hold, fn);
      } finally {
        hold.active = false;
      }
    });
    this.tail = result.catch(() => undefined);
    return result;
  }
}
