// The gateway's one way to write an audit row: redacts the input, never throws, and tells the
// caller whether the row was written (mutating tools refuse to run without one; see server.ts).
import type { GatewayDeps } from './context.js';
import { redactParams, redactSecrets } from './redact.js';

export interface AuditWho {
  actor?: string | null;
  sessionId?: string | null;
}

export interface AuditFacts {
  tool: string;
  input: unknown;
  outcome: string;
  durationMs: number;
  correlationId: string;
  error?: string;
}

/** Longest error text kept in a row: enough for a zod message, not for a pasted payload. */
const MAX_ERROR = 2000;

/**
 * Writes one audit row. Resolves true when it was written, false when it failed for good (the
 * store retried it and counted the failure, which /health reports); it never rejects, so an
 * audit problem never turns into an unhandled rejection in a transport handler.
 */
export async function tryWriteAudit(deps: GatewayDeps, who: AuditWho, facts: AuditFacts): Promise<boolean> {
  try {
    await deps.store.recordAudit({
      actor: who.actor ?? null,
      sessionId: who.sessionId ?? null,
      tool: facts.tool.slice(0, 200),
      params: redactParams(facts.input),
      outcome: facts.outcome,
      durationMs: facts.durationMs,
      correlationId: facts.correlationId,
      error: facts.error === undefined ? null : redactSecrets(facts.error).slice(0, MAX_ERROR),
    });
    return true;
  } catch (err) {
    // The error of a failed insert can quote the row; log only its kind and code, never values.
    const code = (err as { code?: unknown } | null)?.code;
    deps.logger.error({ correlationId: facts.correlationId, tool: facts.tool.slice(0, 200), code, kind: (err as Error)?.name },
      'audit log write failed');
    return false;
  }
}

/** Writes one audit row; failures are logged and counted, never thrown. */
export async function writeAudit(deps: GatewayDeps, who: AuditWho, facts: AuditFacts): Promise<void> {
  await tryWriteAudit(deps, who, facts);
}
