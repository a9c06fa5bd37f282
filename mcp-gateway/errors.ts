// Turns any error into a reply a model can act on, without stacks, paths or credentials.
import { redactSecrets } from './redact.js';

// Redaction lives in redact.ts (one list of credential shapes for replies and the audit log);
// re-exported here because error paths are where most callers reach for it.
export { redactSecrets };

/** Errors whose message is written for the caller and safe to show as is. */
export class ToolError extends Error {
  override name = 'ToolError';
}

export function publicMessage(err: unknown): string {
  if (err instanceof ToolError) return redactSecrets(err.message);
  return 'internal error: the request failed on the server; retry, and report the correlation id if it persists';
}

/**
 * A JSON-RPC -32602 reply whose message is exactly `text` (McpError would prefix "MCP error
 * -32602:", and the client prefixes again), carrying the correlation id of its audit row.
 */
export function invalidParams(text: string, correlationId?: string): Error & { code: number; data?: unknown } {
  return Object.assign(new Error(text), {
    code: -32602, // ErrorCode.InvalidParams
    ...(correlationId ? { data: { correlation_id: correlationId } } : {}),
  });
}
