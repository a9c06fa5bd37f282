// Turns any error into a reply a model can act on, without stacks, paths or credentials.
import { ProtocolError, type InputRequiredResult } from '@modelcontextprotocol/server';
import { redactSecrets } from './redact.js';

// Redaction lives in redact.ts (one list of credential shapes for replies and the audit log);
// re-exported here because error paths are where most callers reach for it.
export { redactSecrets };

/** Errors whose message is written for the caller and safe to show as is. */
export class ToolError extends Error {
  override name = 'ToolError';
  /**
   * `meta`: structured facts of the refusal, returned in the reply's `_meta` (candidates,
   * retry_after_seconds); `outcome`: the audit row's outcome, default `refused`.
   */
  constructor(message: string, readonly meta?: Record<string, unknown>, readonly outcome?: string) {
    super(message);
  }
}

/**
 * Thrown by a tool to ask the client before it answers, with `inputRequired(...)` from the SDK. The
 * gateway returns the result as is: on 2026-07-28 the client answers and calls again (the answers
 * reach the tool as ctx.request.inputResponses); on a 2025 session the SDK's legacy shim turns it
 * into elicitation requests. Not an error the caller sees.
 */
export class AskClient extends Error {
  override name = 'AskClient';
  constructor(readonly result: InputRequiredResult) {
    super('the tool asks the client for input before it answers');
  }
}

export function publicMessage(err: unknown): string {
  if (err instanceof ToolError) return redactSecrets(err.message);
  return 'internal error: the request failed on the server; retry, and report the correlation id if it persists';
}

/** A JSON-RPC -32602 reply whose message is exactly `text`, carrying the correlation id of its audit row. */
export function invalidParams(text: string, correlationId?: string): ProtocolError {
  return ProtocolError.fromError(-32602, text, correlationId ? { correlation_id: correlationId } : undefined);
}
