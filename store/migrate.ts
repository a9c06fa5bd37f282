// Versioned schema migrations: numbered SQL files applied in order, each once, each in its own
// transaction, recorded with a checksum so an edited migration fails loudly instead of drifting.
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import type { Db } from './db.js';

const MIGRATIONS_DIR = new URL('./migrations/', import.meta.url);
const FILE_NAME = /^(\d{4})_[a-z0-9_]+\.sql$/;
// Any fixed number works; it only has to be the same in every process migrating this database.
const ADVISORY_LOCK_KEY = 7_402_339_112;

export interface Migration {
  /** File name without `.sql`, e.g. `0001_init`. */
  version: string;
  sql: string;
  checksum: string;
}

export class MigrationChecksumError extends Error {
  override name = 'MigrationChecksumError';
}

export async function loadMigrations(dir: URL = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  const seen = new Map<string, string>();
  const migrations: Migration[] = [];
  for (const file of files) {
    const match = FILE_NAME.exec(file);
    if (!match) throw new Error(`migration ${file}: name must look like 0001_description.sql`);
    const number = match[1]!;
    if (seen.has(number)) throw new Error(`migrations ${seen.get(number)} and ${file} share the number ${number}`);
    seen.set(number, file);
    // Line endings normalised, so a checkout with CRLF conversion doesn't look like an edit.
    const sql = (await readFile(new URL(file, dir), 'utf8')).replace(/\r\n/g, '\n');
    migrations.push({ version: file.slice(0, -'.sql'.length), sql, checksum: createHash('sha256').update(sql).digest('hex') });
  }
  return migrations;
}

/**
 * Applies pending migrations. Safe to run from several processes at once on PostgreSQL: each step
 * takes a transaction-scoped advisory lock, so one process migrates and the others find it done.
 */
export async function migrate(db: Db, opts: { dir?: URL } = {}): Promise<{ applied: string[] }> {
  const migrations = await loadMigrations(opts.dir);
  const applied: string[] = [];
  for (const migration of migrations) {
    const ran = await db.transaction(async (tx) => {
      if (tx.kind === 'postgres') await tx.query('select pg_advisory_xact_lock($1)', [ADVISORY_LOCK_KEY]);
      await tx.exec(`create table if not exists schema_migrations (
        version text primary key,
        checksum text not null,
        applied_at timestamptz not null default now()
      )`);
      const [existing] = await tx.query<{ checksum: string }>(
        'select checksum from schema_migrations where version = $1', [migration.version]);
      if (existing) {
        if (existing.checksum !== migration.checksum) {
          throw new MigrationChecksumError(
            `migration ${migration.version} was changed after it was applied (checksum ${existing.checksum} in the ` +
            `database, ${migration.checksum} on disk). Applied migrations are immutable: restore the file and add a new migration.`);
        }
        return false;
      }
      await tx.exec(migration.sql);
      await tx.query('insert into schema_migrations (version, checksum) values ($1, $2)', [migration.version, migration.checksum]);
      return true;
    });
    if (ran) applied.push(migration.version);
  }
  return { applied };
}
