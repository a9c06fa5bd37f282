// MCP task ids for scan-backed tool calls. The id is the scan's Temporal workflow id, plus what
// the tool needs to render its result again (the page of violations asked for, and for a cached
// answer the stored scan it came from), so any gateway replica can serve the task with no memory
// of its own: scan-adhoc-<hash>-<bucket>[~<base64url JSON>].
import { z } from 'zod';

const SEPARATOR = '~';
const WORKFLOW_ID = /^[A-Za-z0-9._:-]{1,400}$/;

const refSchema = z.object({
  /** The stored scan that answered a cached check (no workflow needed to serve it). */
  i: z.string().max(400).optional(),
  s: z.enum(['all', 'errors_only', 'warnings_only']).optional(),
  l: z.number().int().min(1).max(500).optional(),
  c: z.string().max(2048).optional(),
}).strict();

export interface ScanTaskRef {
  workflowId: string;
  /** Set when the task was answered from a fresh stored result. */
  cachedScanId?: string;
  severity?: 'all' | 'errors_only' | 'warnings_only';
  limit?: number;
  cursor?: string;
}

export function encodeTaskId(ref: ScanTaskRef): string {
  const extra: z.infer<typeof refSchema> = {
    ...(ref.cachedScanId ? { i: ref.cachedScanId } : {}),
    ...(ref.severity && ref.severity !== 'all' ? { s: ref.severity } : {}),
    ...(ref.limit !== undefined ? { l: ref.limit } : {}),
    ...(ref.cursor ? { c: ref.cursor } : {}),
  };
  if (Object.keys(extra).length === 0) return ref.workflowId;
  return `${ref.workflowId}${SEPARATOR}${Buffer.from(JSON.stringify(extra)).toString('base64url')}`;
}

/** The task's scan reference, or undefined for an id this gateway never issued. */
export function decodeTaskId(taskId: string): ScanTaskRef | undefined {
  const at = taskId.indexOf(SEPARATOR);
  const workflowId = at < 0 ? taskId : taskId.slice(0, at);
  if (!WORKFLOW_ID.test(workflowId)) return undefined;
  if (at < 0) return { workflowId };
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(taskId.slice(at + 1), 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  const extra = refSchema.safeParse(parsed);
  if (!extra.success) return undefined;
  return {
    workflowId,
    ...(extra.data.i ? { cachedScanId: extra.data.i } : {}),
    ...(extra.data.s ? { severity: extra.data.s } : {}),
    ...(extra.data.l !== undefined ? { limit: extra.data.l } : {}),
    ...(extra.data.c ? { cursor: extra.data.c } : {}),
  };
}
