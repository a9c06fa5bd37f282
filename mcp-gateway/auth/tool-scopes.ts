// Which OAuth scope each MCP request needs (API-key principals need none: they keep full access).
// Read-only tools (annotations.readOnlyHint) need compliance:read; tools that change state (scans,
// schedules, imports, exports) need compliance:scan; the approval tools need their own scope
// (http.oauth.approveScope). A new tool thus gets a scope from its annotations, never none.
import type { ToolDefinition } from '../context.js';

export const READ_SCOPE = 'compliance:read';
export const SCAN_SCOPE = 'compliance:scan';
export const DEFAULT_APPROVE_SCOPE = 'compliance:approve';

/** Tools that decide on a pending scan: a human's approval, not a scanner's right. */
export const APPROVAL_TOOLS: ReadonlySet<string> = new Set(['approve_scan', 'reject_scan']);

/**
 * A broader scope implies the narrower ones (MCP authorization: servers account for scope
 * hierarchies): whoever may start scans may read their results.
 */
const IMPLIED: Readonly<Record<string, readonly string[]>> = { [SCAN_SCOPE]: [READ_SCOPE] };

type ScopedTool = Pick<ToolDefinition, 'name' | 'annotations'>;

export function toolScope(tool: ScopedTool, approveScope = DEFAULT_APPROVE_SCOPE): string {
  if (APPROVAL_TOOLS.has(tool.name)) return approveScope;
  return tool.annotations.readOnlyHint === true ? READ_SCOPE : SCAN_SCOPE;
}

/** Every scope a token may be asked for, in order (for scopes_supported). */
export function scopesSupported(approveScope: string, requiredScopes: readonly string[] = []): string[] {
  return [...new Set([...requiredScopes, READ_SCOPE, SCAN_SCOPE, approveScope])];
}

/** The granted scopes with those they imply. */
export function effectiveScopes(granted: readonly string[]): Set<string> {
  const all = new Set(granted);
  for (const scope of granted) for (const implied of IMPLIED[scope] ?? []) all.add(implied);
  return all;
}

/** Whether a principal may decide on a held scan: API keys always; an OAuth token only with the approve scope. */
export function mayApprove(token: { scopes: readonly string[] } | undefined, approveScope = DEFAULT_APPROVE_SCOPE): boolean {
  return !token || effectiveScopes(token.scopes).has(approveScope);
}

/** Task methods: cancelling a task cancels its scan; reading or answering one continues what was allowed. */
const TASK_METHOD_SCOPES: Readonly<Record<string, string>> = {
  'tasks/cancel': SCAN_SCOPE,
  'tasks/get': READ_SCOPE,
  'tasks/result': READ_SCOPE,
  'tasks/list': READ_SCOPE,
  'tasks/update': READ_SCOPE,
};

export interface ScopeNeed {
  /** Every scope the request needs (challenged together, as the spec asks). */
  scopes: string[];
  /** What needs them, for the error description: tool names or methods. */
  operations: string[];
}

/**
 * The scopes one HTTP body (a JSON-RPC message or a 2025-era batch) needs, beyond http.oauth.requiredScopes.
 * An unknown tool needs the read scope, so that no tool name can be probed without any scope.
 */
export class ToolScopes {
  private readonly byTool: Map<string, string>;

  constructor(tools: readonly ScopedTool[], private readonly approveScope = DEFAULT_APPROVE_SCOPE) {
    this.byTool = new Map(tools.map((t) => [t.name, toolScope(t, approveScope)]));
    for (const name of APPROVAL_TOOLS) if (!this.byTool.has(name)) this.byTool.set(name, approveScope);
  }

  scopeOfTool(name: string): string {
    return this.byTool.get(name) ?? READ_SCOPE;
  }

  needOf(body: unknown): ScopeNeed {
    const scopes = new Set<string>();
    const operations: string[] = [];
    for (const message of Array.isArray(body) ? body : [body]) {
      if (typeof message !== 'object' || message === null) continue;
      const { method, params } = message as { method?: unknown; params?: { name?: unknown } };
      if (method === 'tools/call') {
        const name = typeof params?.name === 'string' ? params.name : '';
        scopes.add(this.scopeOfTool(name));
        operations.push(name || 'tools/call');
      } else if (typeof method === 'string' && TASK_METHOD_SCOPES[method]) {
        scopes.add(TASK_METHOD_SCOPES[method]);
        operations.push(method);
      }
    }
    return { scopes: [...scopes], operations };
  }
}
