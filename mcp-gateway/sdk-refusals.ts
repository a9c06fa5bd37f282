// Calls the MCP SDK answers before any tool handler runs: a malformed tools/call request, arguments
// that fail the input schema, an unknown tool. Each still gets a correlation id, an audit row and
// a reply a caller can read (one sentence, no zod dump, -32602 for a malformed request).
import { randomUUID } from 'node:crypto';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import {
  CallToolRequestParamsSchema, CallToolRequestSchema, type CallToolResult, type ServerNotification, type ServerRequest,
} from '@modelcontextprotocol/sdk/types.js';
import { tryWriteAudit, type AuditWho } from './audit.js';
import type { GatewayDeps } from './context.js';
import { invalidParams } from './errors.js';
import { redactSecrets } from './redact.js';

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;
type RawHandler = (request: { params?: unknown }, extra: unknown) => Promise<unknown>;

function textOf(result: CallToolResult): string {
  return result.content.map((c) => (c.type === 'text' ? c.text : '')).join(' ');
}

/**
 * Wraps the SDK's tools/call handler as the SDK installs it (at the first registerTool): an error
 * result the SDK produced itself (no correlation id: no tool ran) is audited as `invalid`.
 */
export function auditCallsRefusedBySdk(server: McpServer, deps: GatewayDeps, who: AuditWho): void {
  const lowLevel = server.server;
  const install = lowLevel.setRequestHandler.bind(lowLevel);
  lowLevel.setRequestHandler = ((schema: typeof CallToolRequestSchema, handler: (req: unknown, extra: Extra) => Promise<CallToolResult>) => {
    if (schema !== CallToolRequestSchema) return install(schema, handler as never);
    return install(schema, async (request, extra) => {
      const started = performance.now();
      const result = await handler(request, extra);
      if (!result.isError || result._meta?.correlation_id) return result;
      const correlationId = randomUUID();
      const error = redactSecrets(textOf(result)).slice(0, 2000);
      await tryWriteAudit(deps, who, {
        tool: String(request.params.name), input: request.params.arguments, outcome: 'invalid',
        durationMs: Math.round(performance.now() - started), correlationId, error,
      });
      return { isError: true, content: [{ type: 'text', text: `${error} (correlation id ${correlationId})` }], _meta: { correlation_id: correlationId } };
    });
  }) as typeof lowLevel.setRequestHandler;
}

/** `, not a number` / `, not an array` / nothing when the value is missing: for refusal sentences. */
function notA(value: unknown): string {
  if (value === undefined) return '';
  if (value === null) return ', not null';
  if (Array.isArray(value)) return ', not an array';
  return typeof value === 'object' ? ', not an object' : `, not a ${typeof value}`;
}

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
  const parsed = CallToolRequestParamsSchema.safeParse(params);
  if (parsed.success) return undefined;
  const issue = parsed.error.issues[0]!;
  return `tools/call params.${issue.path.map(String).join('.')} is not valid: ${issue.message}`;
}

/**
 * The SDK parses a tools/call request before calling any handler, and answers a bad one with
 * -32603 and the raw zod error. This replaces the installed handler (after the tools are
 * registered) with one that checks the request first: -32602, one sentence, an audit row.
 * `_requestHandlers` is the SDK's own map (Protocol); the SDK version is pinned, and a change is
 * caught at startup by the throw below, not at call time.
 */
export function refuseMalformedToolCalls(server: McpServer, deps: GatewayDeps, who: AuditWho): void {
  const handlers = (server.server as unknown as { _requestHandlers?: Map<string, RawHandler> })._requestHandlers;
  const inner = handlers?.get('tools/call');
  if (!handlers || !inner) throw new Error('the MCP SDK keeps its tools/call handler elsewhere; update mcp-gateway/sdk-refusals.ts');
  handlers.set('tools/call', async (request, extra) => {
    const found = toolCallProblem(request.params);
    if (!found) return inner(request, extra);
    // A zod path or message can quote the caller's keys: they get the same redaction as replies.
    const problem = redactSecrets(found).slice(0, 500);
    const correlationId = randomUUID();
    const params = request.params as Record<string, unknown> | undefined;
    const named = params && typeof params === 'object' && typeof params.name === 'string';
    await tryWriteAudit(deps, who, {
      tool: named ? (params.name as string) : '(no tool name)',
      input: params && typeof params === 'object' && 'arguments' in params ? params.arguments : params,
      outcome: 'invalid', durationMs: 0, correlationId, error: problem,
    });
    throw invalidParams(`${problem} (correlation id ${correlationId})`, correlationId);
  });
}
