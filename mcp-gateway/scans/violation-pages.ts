// Violations of a stored scan, a page at a time: keyset pagination over resource ids behind an
// opaque cursor, filtered by severity.
import { z } from 'zod';
import type { ScanResourceRecord, Store } from '../../store/index.js';
import { ToolError } from '../errors.js';

export const severityParam = z.enum(['all', 'errors_only', 'warnings_only']).default('all')
  .describe('errors_only: findings that make a resource non-compliant; warnings_only: advisory findings');

export const pageParams = {
  limit: z.number().int().min(1).max(500).default(50).describe('Violations per page'),
  cursor: z.string().max(2048).optional().describe('next_cursor of the previous page'),
};

export const violationSchema = z.object({
  resource_id: z.string(),
  resource_type: z.string(),
  account: z.string(),
  region: z.string(),
  name: z.string().nullable(),
  kind: z.string().describe('missing_required_tag | invalid_value | invalid_format | empty_value | wrong_key_case | key_case_mismatch'),
  tag: z.string(),
  severity: z.string(),
  message: z.string(),
  value: z.string().optional(),
  found_key: z.string().optional(),
  allowed: z.array(z.string()).optional(),
  suggestion: z.string().optional(),
});
export type ViolationView = z.infer<typeof violationSchema>;

interface Finding {
  kind: string; tag: string; severity: string; message: string; value?: string; foundKey?: string; allowed?: string[]; suggestion?: string;
}

// A cursor points into the findings of one resource: the id of the resource before it (the
// keyset position) and how many of its findings were already returned.
interface Position { after?: string; skip: number }

function encodeCursor(scanId: string, at: Position): string {
  return Buffer.from(JSON.stringify({ s: scanId, a: at.after ?? null, k: at.skip })).toString('base64url');
}

function decodeCursor(cursor: string, scanId: string): Position {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as { s?: unknown; a?: unknown; k?: unknown };
    const skip = parsed.k;
    if (parsed.s === scanId && (parsed.a === null || typeof parsed.a === 'string') && Number.isInteger(skip) && (skip as number) >= 0) {
      return { after: parsed.a ?? undefined, skip: skip as number };
    }
  } catch { /* fall through to the error below */ }
  throw new ToolError('invalid cursor: pass next_cursor exactly as returned, for the same scan');
}

function viewOf(row: ScanResourceRecord, f: Finding): ViolationView {
  return {
    resource_id: row.resourceId, resource_type: row.resourceType, account: row.account, region: row.region, name: row.name,
    kind: f.kind, tag: f.tag, severity: f.severity, message: f.message,
    ...(f.value !== undefined ? { value: f.value } : {}), ...(f.foundKey ? { found_key: f.foundKey } : {}),
    ...(f.allowed ? { allowed: [...f.allowed] } : {}), ...(f.suggestion ? { suggestion: f.suggestion } : {}),
  };
}

const BATCH = 500;

/** At most `limit` violations, in resource id order; next_cursor resumes exactly after the last one. */
export async function violationPage(store: Store, scanId: string, opts: { severity: 'all' | 'errors_only' | 'warnings_only'; limit: number; cursor?: string })
  : Promise<{ violations: ViolationView[]; next_cursor: string | null }> {
  let { after, skip } = opts.cursor ? decodeCursor(opts.cursor, scanId) : { after: undefined, skip: 0 };
  const violations: ViolationView[] = [];
  // Every listed resource has a finding, so limit + 1 rows usually fill a page and tell whether more follow.
  const batch = Math.min(BATCH, opts.limit + 1);
  const wanted = (f: Finding) => opts.severity === 'all' || (opts.severity === 'errors_only' ? f.severity === 'error' : f.severity === 'warning');
  for (;;) {
    const rows = await store.listScanResources(scanId, { withFindings: true, limit: batch, after });
    for (const row of rows) {
      const findings = (row.violations as Finding[]).filter(wanted);
      for (let i = skip; i < findings.length; i++) {
        if (violations.length === opts.limit) return { violations, next_cursor: encodeCursor(scanId, { after, skip: i }) };
        violations.push(viewOf(row, findings[i]!));
      }
      skip = 0;
      after = row.resourceId;
    }
    if (rows.length < batch) return { violations, next_cursor: null };
  }
}
