// Policy versions: every tagging policy a scan was evaluated against, stored once per content hash.
import { createHash } from 'node:crypto';
import { isoTime, jsonParam } from './columns.js';
import type { Db } from './db.js';

export interface PolicyVersionRecord {
  id: number;
  /** sha256 hex of the canonical JSON of `document`. */
  hash: string;
  /** Where it came from: `file:<path>`, `aws-organizations:<policy id>`, `inline`. */
  source: string;
  document: unknown;
  createdAt: string;
}

export interface NewPolicyVersion {
  source: string;
  document: unknown;
}

interface PolicyVersionRow {
  id: number;
  hash: string;
  source: string;
  document: unknown;
  created_at: Date;
}

/** JSON with object keys sorted at every level, so equal documents hash equally whatever their key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(JSON.parse(JSON.stringify(value ?? null)) as unknown));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return Object.fromEntries(entries.map(([k, v]) => [k, sortKeys(v)]));
  }
  return value;
}

export function policyHash(document: unknown): string {
  return createHash('sha256').update(canonicalJson(document)).digest('hex');
}

function toRecord(row: PolicyVersionRow): PolicyVersionRecord {
  return { id: row.id, hash: row.hash, source: row.source, document: row.document, createdAt: isoTime(row.created_at) };
}

const COLUMNS = 'id, hash, source, document, created_at';

export function createPolicyQueries(db: Db) {
  return {
    /**
     * Records a policy document. Idempotent on content: saving an identical document again (from
     * any source) returns the existing version, with its original source.
     */
    async savePolicyVersion(input: NewPolicyVersion): Promise<PolicyVersionRecord> {
      const hash = policyHash(input.document);
      const [inserted] = await db.query<PolicyVersionRow>(
        `insert into policy_versions (hash, source, document) values ($1, $2, $3::jsonb)
         on conflict (hash) do nothing returning ${COLUMNS}`,
        [hash, input.source, jsonParam(input.document)]);
      if (inserted) return toRecord(inserted);
      // A separate statement: it sees a row a concurrent saver committed while we waited on the conflict.
      const [existing] = await db.query<PolicyVersionRow>(`select ${COLUMNS} from policy_versions where hash = $1`, [hash]);
      if (!existing) throw new Error(`policy version ${hash} conflicted on insert but cannot be read`);
      return toRecord(existing);
    },

    async getPolicyVersion(id: number): Promise<PolicyVersionRecord | undefined> {
      const [row] = await db.query<PolicyVersionRow>(`select ${COLUMNS} from policy_versions where id = $1`, [id]);
      return row && toRecord(row);
    },

    /** The most recently recorded version (re-saving an older document does not make it latest). */
    async latestPolicyVersion(): Promise<PolicyVersionRecord | undefined> {
      const [row] = await db.query<PolicyVersionRow>(`select ${COLUMNS} from policy_versions order by id desc limit 1`);
      return row && toRecord(row);
    },
  };
}
