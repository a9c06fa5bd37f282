// Malformed tools/call requests (no params, a name that is not a string, arguments that are not an
// object, a bad task field). The SDK refuses these before any handler runs, so nothing of ours
// would see them; screening the server's transport (a public seam: Server.connect takes any
// Transport) lets the gateway answer them itself: -32602, one sentence, a correlation id and an
// audit row. Every other message passes through untouched.
import { randomUUID } from 'node:crypto';
import type { CallToolResult, JSONRPCMessage, MessageExtraInfo, Transport } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { tryWriteAudit, type AuditWho } from './audit.js';
import type { GatewayDeps } from './context.js';
import { redactSecrets } from './redact.js';

/** `, not a number` / `, not an array` / nothing when the value is missing: for refusal sentences. */
function notA(value: unknown): string {
  if (value === undefined) return '';
  if (value === null) return ', not null';
  if (Array.isArray(value)) return ', not an array';
  return typeof value === 'object' ? ', not an object' : `, not a ${typeof value}`;
}

// The parts of tools/call params the SDK checks beyond name and arguments (2025-era task metadata).
const extraParams = z.object({
  task: z.object({ ttl: z.number().int().nonnegative().nullable().optional() }).loose().optional(),
  _meta: z.record(z.string(), z.unknown()).optional(),
}).loose();

/** What is wrong with a tools/call request's params, in one sentence; undefined when nothing is. */
export function toolCallProblem(params: unknown): string | undefined {
  if (!params || typeof params !== 'object' || Array.isArray(params)) {
    return `tools/call needs params, an object with the tool's name and arguments${notA(params)}`;
  }
  const { name, arguments: args } = params as Record<string, unknown>;
  if (typeof name !== 'string') {
    return `tools/call needs params.name, the name of a tool from tools/list (a string)${notA(name)}`;
  }
  if (args !== undefined && (args === null || typeof args !== 'object' || Array.isArray(args))) {
    return `tools/call params.arguments must be an object of the tool's named arguments${notA(args)}`;
  }
  const parsed = extraParams.safeParse(params);
  if (parsed.success) return undefined;
  const issue = parsed.error.issues[0]!;
  return `tools/call params.${issue.path.map(String).join('.')} is not valid: ${issue.message}`;
}

/** A call refused before any tool ran (unknown tool, invalid arguments): an `invalid` audit row and an error result. */
export async function refuseInvalidCall(deps: GatewayDeps, who: AuditWho, tool: string, input: unknown, reason: string): Promise<CallToolResult> {
  const correlationId = randomUUID();
  const error = redactSecrets(reason).slice(0, 2000);
  await tryWriteAudit(deps, who, { tool, input, outcome: 'invalid', durationMs: 0, correlationId, error });
  deps.metrics?.recordToolCall(tool, 'invalid', 0);
  return { isError: true, content: [{ type: 'text', text: `${error} (correlation id ${correlationId})` }], _meta: { correlation_id: correlationId } };
}

interface CallMessage { jsonrpc: '2.0'; id: string | number; method: string; params?: unknown }

function isToolCall(message: unknown): message is CallMessage {
  const m = message as Partial<CallMessage> | null;
  return !!m && typeof m === 'object' && m.method === 'tools/call' && (typeof m.id === 'string' || typeof m.id === 'number');
}

/** The JSON-RPC error reply for a malformed call, once its audit row is written. */
export async function refuseMalformedCall(deps: GatewayDeps, who: AuditWho, message: CallMessage, found: string): Promise<JSONRPCMessage> {
  // A zod path or message can quote the caller's keys: they get the same redaction as replies.
  const problem = redactSecrets(found).slice(0, 500);
  const correlationId = randomUUID();
  const params = message.params as Record<string, unknown> | undefined;
  const named = params && typeof params === 'object' && typeof params.name === 'string';
  await tryWriteAudit(deps, who, {
    tool: named ? (params.name as string) : '(no tool name)',
    input: params && typeof params === 'object' && 'arguments' in params ? params.arguments : params,
    outcome: 'invalid', durationMs: 0, correlationId, error: problem,
  });
  deps.metrics?.recordToolCall(named ? (params.name as string) : 'unknown', 'invalid', 0);
  return {
    jsonrpc: '2.0', id: message.id,
    error: { code: -32602, message: `${problem} (correlation id ${correlationId})`, data: { correlation_id: correlationId } },
  } as JSONRPCMessage;
}

type OnMessage = (message: JSONRPCMessage, extra?: MessageExtraInfo) => void;

/**
 * The transport as the server sees it: every property is the transport's own, except that the
 * handler the server installs as `onmessage` first screens tools/call requests.
 */
export function screenToolCalls<T extends Transport>(transport: T, deps: GatewayDeps, who: AuditWho): T {
  let installed: OnMessage | undefined;
  const screened: OnMessage = (message, extra) => {
    const problem = isToolCall(message) ? toolCallProblem(message.params) : undefined;
    if (!problem) {
      installed?.(message, extra);
      return;
    }
    void refuseMalformedCall(deps, who, message as CallMessage, problem)
      .then((reply) => transport.send(reply, { relatedRequestId: (message as CallMessage).id }))
      .catch((err: unknown) => deps.logger.warn({ err }, 'answering a malformed tools/call failed'));
  };
  return new Proxy(transport, {
    get(target, prop) {
      if (prop === 'onmessage') return installed ? screened : undefined;
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
    set(target, prop, value) {
      if (prop !== 'onmessage') return Reflect.set(target, prop, value, target);
      installed = value as OnMessage | undefined;
      target.onmessage = (installed ? screened : undefined) as T['onmessage'];
      return true;
    },
  });
}
