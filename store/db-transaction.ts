// Transaction handling shared by both backends: BEGIN/COMMIT/ROLLBACK around a callback, a handle
// that refuses use after the transaction ends, and savepoints for nested transactions.
import type { Db } from './db.js';

/** The statements of one connection that a transaction runs on. */
export interface Session {
  query(sql: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  exec(sql: string): Promise<void>;
  copyFrom(target: string, rows: string): Promise<number>;
}

/** Thrown when ROLLBACK itself failed: the connection is in an unknown state and must be dropped. */
export class BrokenSessionError extends Error {
  override name = 'BrokenSessionError';
}

export async function runTransaction<T>(kind: Db['kind'], session: Session, fn: (tx: Db) => Promise<T>): Promise<T> {
  await session.exec('begin');
  const handle = transactionHandle(kind, session);
  try {
    const result = await fn(handle.tx);
    handle.end();
    await session.exec('commit');
    return result;
  } catch (err) {
    handle.end();
    try {
      await session.exec('rollback');
    } catch (rollbackErr) {
      throw new BrokenSessionError(`rollback failed (${(rollbackErr as Error).message}) after: ${(err as Error).message}`, { cause: err });
    }
    throw err;
  }
}

function transactionHandle(kind: Db['kind'], session: Session): { tx: Db; end(): void } {
  let open = true;
  let savepoints = 0;
  const check = () => {
    if (!open) throw new Error('transaction handle used after its transaction ended');
  };
  const tx: Db = {
    kind,
    async query<R>(sql: string, params?: unknown[]) {
      check();
      return (await session.query(sql, params)) as R[];
    },
    async exec(sql: string) {
      check();
      await session.exec(sql);
    },
    async copyFrom(target: string, rows: string) {
      check();
      return session.copyFrom(target, rows);
    },
    async transaction<T>(fn: (inner: Db) => Promise<T>): Promise<T> {
      check();
      const name = `sp_${++savepoints}`;
      await session.exec(`savepoint ${name}`);
      try {
        const result = await fn(tx);
        await session.exec(`release savepoint ${name}`);
        return result;
      } catch (err) {
        await session.exec(`rollback to savepoint ${name}`);
        throw err;
      }
    },
    async close() {
      throw new Error('close the Db that opened the transaction, not the transaction handle');
    },
  };
  return { tx, end: () => { open = false; } };
}
