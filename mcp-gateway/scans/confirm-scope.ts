// Asks the caller to confirm a scan of every resource type in every allowed account before it
// starts: as an `input_required` result (2026-07-28; the SDK's legacy shim turns it into an
// elicitation on 2025 sessions), or, for a client that cannot answer a form, as a refusal whose
// text asks the question and says how to confirm (`confirm_scope: true`).
import {
  CLIENT_CAPABILITIES_META_KEY, inputRequired, inputResponse, type ClientCapabilities, type InputRequiredResult, type RequestMetaEnvelope,
} from '@modelcontextprotocol/server';
import { z } from 'zod';
import { needsConfirmation, scopeQuestion, type ScopeQuestion } from '../../core/scope-confirmation.js';
import type { ScanScope } from '../../core/scope.js';
import { allowedAccounts } from '../allowed-accounts.js';
import type { ToolContext } from '../context.js';
import { AskClient, ToolError } from '../errors.js';

/** The key of the confirmation in `inputRequests` / `inputResponses`. */
export const SCOPE_CONFIRMATION_KEY = 'confirm_scope';

/** The tools' input parameter: confirms up front, and is how a client without elicitation answers. */
export const confirmScopeParam = {
  confirm_scope: z.boolean().optional()
    .describe('true confirms a scan of every resource type in every allowed account. Without it, such a scope is ' +
      'first asked about; name accounts or resource_types instead to scan less'),
};

/** The form a client shows: one yes/no. A flat boolean is what the elicitation wire schema allows. */
export const scopeConfirmationSchema = z.object({
  confirm: z.boolean().meta({ title: 'Scan every account and resource type' }),
});

/** The question, for a client that cannot answer a form: a refusal the model reads and acts on. */
export class ScopeConfirmationRequired extends ToolError {
  constructor(readonly question: ScopeQuestion) {
    super(`${question.message} To confirm, call ${question.plan.tool} again with the same arguments and confirm_scope: true.`);
  }
}

export interface ConfirmScopeRequest {
  tool: string;
  scope: ScanScope;
  /** The call's `confirm_scope` argument. */
  confirmScope?: boolean;
  /** `ctx.mcpReq.inputResponses` of the SDK context: the answers of a resumed call. */
  inputResponses?: Record<string, unknown>;
  /**
   * What the client declared: the request envelope's clientCapabilities (2026-07-28), or the
   * session's (2025, `server.getClientCapabilities()`). Undefined: assumed unable to elicit.
   */
  clientCapabilities?: ClientCapabilities;
}

export type ScopeDecision =
  | { kind: 'proceed' }
  /** Return `result` from the SDK tool handler as is; the client answers and calls again. */
  | { kind: 'ask'; result: InputRequiredResult; question: ScopeQuestion };

/**
 * Proceed, or ask. Throws ScopeConfirmationRequired (a ToolError) for a client that cannot answer
 * a form, and a ToolError when the answer was no (declined, cancelled or unchecked).
 */
export async function confirmScope(ctx: Pick<ToolContext, 'config' | 'aws'>, req: ConfirmScopeRequest): Promise<ScopeDecision> {
  if (req.confirmScope === true) return { kind: 'proceed' };
  // Narrow scopes never need the allowed set, so they cost no AWS call.
  if (!needsConfirmation(req.scope, Number.MAX_SAFE_INTEGER)) return { kind: 'proceed' };
  let allowed;
  try {
    allowed = await allowedAccounts(ctx);
  } catch (err) {
    throw new ToolError(`could not read which accounts may be reached (${(err as Error).message.slice(0, 300)}); ` +
      'retry, or name the accounts to scan');
  }
  if (!allowed || !needsConfirmation(req.scope, allowed.accounts.length)) return { kind: 'proceed' };

  const answer = inputResponse(req.inputResponses, SCOPE_CONFIRMATION_KEY);
  if (answer.kind === 'elicit') {
    const content = scopeConfirmationSchema.safeParse(answer.content);
    if (answer.action === 'accept' && content.success && content.data.confirm) return { kind: 'proceed' };
    throw new ToolError(`${req.tool} did not scan: the scope (every resource type in all ${allowed.accounts.length} allowed ` +
      'accounts) was not confirmed. Name accounts or resource_types to scan less.');
  }

  const question = scopeQuestion({
    tool: req.tool, scope: req.scope, allowedAccounts: allowed.accounts, accountSource: allowed.source,
    configuredRegions: ctx.config.clouds.aws.regions,
  });
  if (!canAnswerForm(req.clientCapabilities)) throw new ScopeConfirmationRequired(question);
  return {
    kind: 'ask',
    question,
    result: inputRequired({
      inputRequests: {
        [SCOPE_CONFIRMATION_KEY]: inputRequired.elicit({ message: question.message, requestedSchema: scopeConfirmationSchema }),
      },
    }),
  };
}

/**
 * Whether the client declared form elicitation: `elicitation.form`, or a bare `elicitation: {}`
 * (form is implied when neither mode is named), as the SDK's own capability gate reads it.
 */
export function canAnswerForm(capabilities: ClientCapabilities | undefined): boolean {
  const elicitation = capabilities?.elicitation as { form?: unknown; url?: unknown } | undefined;
  if (!elicitation || typeof elicitation !== 'object') return false;
  return elicitation.form !== undefined || elicitation.url === undefined;
}

/**
 * The capabilities that apply to one request: its envelope's (2026-07-28 declares them per request),
 * else those the 2025 session declared at initialize (`server.getClientCapabilities()`).
 */
export function requestCapabilities(envelope: Partial<RequestMetaEnvelope> | undefined,
  sessionCapabilities?: ClientCapabilities): ClientCapabilities | undefined {
  // The published RequestMetaEnvelope type is empty (2.4.0's bundled .d.ts lost its keys): read by key.
  const declared = (envelope as Record<string, unknown> | undefined)?.[CLIENT_CAPABILITIES_META_KEY];
  return declared !== null && typeof declared === 'object' ? declared as ClientCapabilities : sessionCapabilities;
}

/**
 * The tools' one call: returns when the scan may go ahead, throws AskClient to ask (the call path
 * returns its input_required result as is), or a ToolError with the question or the refusal. A
 * call outside MCP (a task start, the CLI) has no way to answer a form: it must pass confirm_scope.
 */
export async function confirmScopeOrAsk(ctx: ToolContext, tool: string, scope: ScanScope, confirm: boolean | undefined): Promise<void> {
  const decision = await confirmScope(ctx, {
    tool, scope, confirmScope: confirm,
    inputResponses: ctx.request?.inputResponses, clientCapabilities: ctx.request?.clientCapabilities,
  });
  if (decision.kind === 'ask') throw new AskClient(decision.result);
}
