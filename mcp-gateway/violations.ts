// Violations of a stored scan, a page at a time: keyset pagination over resource ids behind an
// opaque cursor, filtered by severity.
import { z } from 'zod';
import type { Store } from '../store/index.js';
import { ToolError } from './errors.js';

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

function encodeCursor(scanId: string, after: string): string {
  return Buffer.from(JSON.stringify({ s: scanId, a: after })).toString('base64url');
}

function decodeCursor(cursor: string, scanId: string): string {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as { s?: unknown; a?: unknown };
    if (parsed.s === scanId && typeof parsed.a === 'string') return parsed.a;
  } catch { /* fall through to the error below */ }
  throw new ToolError('invalid cursor: pass next_cursor exactly as returned, for the same scan');
}

/** Up to `limit` violations (whole resources per page, so a page may hold a few more findings). */
export async function violationPage(store: Store, scanId: string, opts: { severity: 'all' | 'errors_only' | 'warnings_only'; limit: number; cursor?: string })
  : Promise<{ violations: ViolationView[]; next_cursor: string | null }> {
  let after = opts.cursor ? decodeCursor(opts.cursor, scanId) : undefined;
  const violations: ViolationView[] = [];
  const wanted = (f: Finding) => opts.severity === 'all' || (opts.severity === 'errors_only' ? f.severity === 'error' : f.severity === 'warning');
  for (;;) {
    const rows = await store.listScanResources(scanId, { withFindings: true, limit: Math.min(opts.limit, 500), after });
    for (const row of rows) {
      after = row.resourceId;
      for (const f of row.violations as Finding[]) {
        if (!wanted(f)) continue;
        violations.push({
          resource_id: row.resourceId, resource_type: row.resourceType, account: row.account, region: row.region, name: row.name,
          kind: f.kind, tag: f.tag, severity: f.severity, message: f.message,
          ...(f.value !== undefined ? { value: f.value } : {}), ...(f.foundKey ? { found_key: f.foundKey } : {}),
          ...(f.allowed ? { allowed: [...f.allowed] } : {}), ...(f.suggestion ? { suggestion: f.suggestion } : {}),
        });
      }
      if (violations.length >= opts.limit) return { violations, next_cursor: encodeCursor(scanId, after) };
    }
    if (rows.length < Math.min(opts.limit, 500)) return { violations, next_cursor: null };
  }
}
