// Builds the MCP server for one serving unit (a 2025-era session, a 2026-era request, a stdio
// connection) with every registered tool behind the common call path: correlation id, structured +
// text reply, sanitised errors, and an audit row. It is the SDK's low-level Server with our own
// tools/list and tools/call handlers (public API): the gateway validates arguments itself, so a
// refused call (unknown tool, bad arguments) is audited like any other.
import { randomUUID } from 'node:crypto';
import { Server, type CallToolResult, type ClientCapabilities, type ServerContext, type Tool } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { tryWriteAudit, writeAudit } from './audit.js';
import type { GatewayDeps, McpRequestInfo, ToolDefinition } from './context.js';
import { AskClient, publicMessage, ToolError } from './errors.js';
import { outputJsonSchema, outputProblem } from './output-check.js';
import type { PrincipalQuota } from './quotas/principal-quotas.js';
import { SessionGuard } from './session-guard.js';
import { installScanTasks, type ProtocolEra } from './tasks/index.js';
import { refuseInvalidCall, screenToolCalls } from './tool-call-screen.js';
import { TOOLS } from './tools/index.js';
import { withToolCallSpan } from './tracing.js';

export const SERVER_INFO = { name: 'finops-tag-compliance', version: '0.1.0' };

export const INSTRUCTIONS =
  'FinOps tag compliance. Call get_tagging_policy to see what is required; compliance scans run as durable ' +
  'workflows, so long scans return a handle instead of timing out.';

export interface SessionInfo {
  sessionId?: string;
  actor?: string;
  /** false: an OAuth token without the approve scope (held scans are not put to it as a question). */
  mayApprove?: boolean;
}

/** What admits a tool call: the per-session guard (2025 era, stdio) or the shared one (2026 era over HTTP). */
export interface CallGuard {
  /** Counts the call or throws a ToolError; `meta` is the request's _meta (it may name a conversation). */
  admit(tool: string, input: unknown, meta?: Record<string, unknown>): void | Promise<void>;
}

export interface McpServerOptions {
  /** The era this instance serves; 'legacy' also serves the 2025-era tasks. Default: legacy. */
  era?: ProtocolEra;
  /** Default: a fresh SessionGuard (one per server instance: a 2025 session or a stdio connection). */
  guard?: CallGuard;
  /** The caller's per-principal quotas (quotas/); absent: none are counted. */
  quota?: PrincipalQuota;
}

/**
 * The gateway's Server: its transport is screened (tool-call-screen.ts) so that a malformed
 * tools/call, which the SDK would refuse before any handler, is refused and audited by us.
 */
export class GatewayServer extends Server {
  constructor(private readonly deps: GatewayDeps, private readonly who: SessionInfo, options: ConstructorParameters<typeof Server>[1]) {
    super(SERVER_INFO, options);
  }

  override connect(transport: Parameters<Server['connect']>[0]): Promise<void> {
    return super.connect(screenToolCalls(transport, this.deps, this.who));
  }
}

export function createMcpServer(deps: GatewayDeps, session: SessionInfo = {}, tools: ToolDefinition[] = TOOLS,
  options: McpServerOptions = {}): GatewayServer {
  const era = options.era ?? 'legacy';
  const guard = options.guard ?? new SessionGuard(deps.config.gateway);
  const server = new GatewayServer(deps, session, {
    capabilities: { tools: { listChanged: false }, ...(era === 'legacy' ? { logging: {} } : {}) },
    instructions: INSTRUCTIONS,
  });
  const byName = new Map(tools.map((t) => [t.name, t]));
  const requestInfo = (ctx: ServerContext | undefined): McpRequestInfo | undefined => {
    if (!ctx) return undefined;
    const envelope = ctx.mcpReq.envelope as Record<string, unknown> | undefined;
    const declared = era === 'modern'
      ? envelope?.['io.modelcontextprotocol/clientCapabilities'] as ClientCapabilities | undefined
      : server.getClientCapabilities(); // the 2025 session's, from initialize
    return { era, ...(ctx.mcpReq.inputResponses ? { inputResponses: ctx.mcpReq.inputResponses } : {}), ...(declared ? { clientCapabilities: declared } : {}) };
  };
  const run: RunTool = (tool, input, ctx) => callTool(deps, session, guard, tool, input, ctx, requestInfo(ctx), options.quota);
  // The tool and its parsed arguments, or the audited refusal of an unknown tool or invalid arguments.
  const prepare: PrepareCall = async (name, args) => {
    const tool = byName.get(name);
    if (!tool) return { refused: await refuseInvalidCall(deps, session, name, args, `Tool ${name} not found: call tools/list for the tools this server has`) };
    const parsed = tool.inputSchema.safeParse(args ?? {});
    if (parsed.success) return { tool, input: parsed.data as Record<string, unknown> };
    return { refused: await refuseInvalidCall(deps, session, name, args,
      `Input validation error: Invalid arguments for tool ${name}: ${z.prettifyError(parsed.error).replace(/\s*\n\s*/g, '; ')}`) };
  };
  const tasks = installScanTasks({ server, deps, tools, run, prepare }, era);
  const listed = listedTools(tools, tasks.taskTools);
  server.setRequestHandler('tools/list', () => ({ tools: listed }));
  server.setRequestHandler('tools/call', async (request, ctx) => {
    const taskCall = await tasks.routeCall(request.params, ctx);
    if (taskCall) return taskCall as never;
    const prepared = await prepare(request.params.name, request.params.arguments);
    return 'refused' in prepared ? prepared.refused : run(prepared.tool, prepared.input, ctx);
  });
  return server;
}

// A 2026 request builds a server per request: the JSON Schemas are converted once per tool list and era.
const listings = new WeakMap<ToolDefinition[], Map<string, Tool[]>>();

function listedTools(tools: ToolDefinition[], taskTools: ReadonlySet<string>): Tool[] {
  const byTasks = listings.get(tools) ?? new Map<string, Tool[]>();
  listings.set(tools, byTasks);
  const key = [...taskTools].join(',');
  let listed = byTasks.get(key);
  if (!listed) {
    listed = tools.map((t) => listedTool(t, taskTools.has(t.name)));
    byTasks.set(key, listed);
  }
  return listed;
}

/** The tools/list entry: JSON Schemas of the zod schemas (draft 2020-12, as the SDK emits them). */
function listedTool(tool: ToolDefinition, taskSupport: boolean): Tool {
  return {
    name: tool.name,
    title: tool.title,
    description: tool.description,
    inputSchema: z.toJSONSchema(tool.inputSchema, { io: 'input' }) as Tool['inputSchema'],
    outputSchema: outputJsonSchema(tool) as Tool['outputSchema'],
    annotations: tool.annotations,
    ...(taskSupport ? { execution: { taskSupport: 'optional' } } : {}),
  } as Tool;
}

/** Progress notifications for the request's progress token, if the client sent one. */
function progressReporter(ctx: ServerContext | undefined) {
  const token = ctx?.mcpReq._meta?.progressToken;
  return async (progress: number, total: number | undefined, message: string) => {
    if (token === undefined || !ctx) return;
    await ctx.mcpReq.notify({
      method: 'notifications/progress',
      params: { progressToken: token, progress, ...(total !== undefined ? { total } : {}), message },
    }).catch(() => {}); // a client that went away does not fail the call
  };
}

/** Checks a call's tool name and arguments: the tool and parsed input, or the audited refusal. */
export type PrepareCall = (name: string, args: unknown) =>
  Promise<{ tool: ToolDefinition; input: Record<string, unknown> } | { refused: CallToolResult }>;

/** Runs a tool through the gateway's common call path (guard, correlation id, audit). */
export type RunTool = (tool: ToolDefinition, input: Record<string, unknown>, ctx?: ServerContext) => Promise<CallToolResult>;

async function callTool(deps: GatewayDeps, session: SessionInfo, guard: CallGuard, tool: ToolDefinition,
  input: Record<string, unknown>, ctx?: ServerContext, request?: McpRequestInfo, quota?: PrincipalQuota): Promise<CallToolResult> {
  const correlationId = randomUUID();
  const started = performance.now();
  // The handler's child logger is made when first asked for: most calls never log, and a pino child
  // serialises (and redacts) its bindings when made.
  const bindings = { correlationId, tool: tool.name, sessionId: session.sessionId };
  let child: GatewayDeps['logger'] | undefined;
  const logger = () => (child ??= deps.logger.child(bindings));
  let outcome = 'ok';
  let error: string | undefined;
  try {
    // The guard and the calls-per-minute quota are separate counters (maybe separate stores): asked
    // at once, they add one round trip to a call rather than two. A refused call still counts in both.
    await Promise.all([guard.admit(tool.name, input, ctx?.mcpReq._meta as Record<string, unknown> | undefined), quota?.admitCall()]);
    // Fail closed: a call that changes state (not readOnlyHint) runs only once its audit row is
    // written. Read-only calls run anyway; their failed row is counted and shown in /health.
    if (tool.annotations.readOnlyHint !== true
      && !(await tryWriteAudit(deps, session, { tool: tool.name, input, outcome: 'started', durationMs: 0, correlationId }))) {
      throw new ToolError(`${tool.name} was not run: the audit log cannot be written right now, and calls that change state are only run once audited; retry later`);
    }
    const result = await withToolCallSpan(tool.name, correlationId, () => tool.handler({
      ...deps, get logger() { return logger(); }, correlationId, sessionId: session.sessionId, progress: progressReporter(ctx), signal: ctx?.mcpReq.signal,
      ...(request ? { request } : {}), ...(quota ? { quota } : {}), ...(session.actor ? { actor: session.actor } : {}),
      ...(session.mayApprove === false ? { mayApprove: false } : {}),
    }, input));
    const problem = outputProblem(tool, result.structured);
    if (problem) throw new Error(`${tool.name} produced output that does not match its outputSchema: ${problem}`);
    return {
      content: [{ type: 'text', text: result.text }],
      structuredContent: result.structured as Record<string, unknown>,
      _meta: { correlation_id: correlationId },
    };
  } catch (err) {
    if (err instanceof AskClient) {
      // The client answers and calls again: that call has its own correlation id and row.
      outcome = 'input_required';
      return err.result as unknown as CallToolResult;
    }
    outcome = err instanceof ToolError ? err.outcome ?? 'refused' : 'error';
    error = publicMessage(err);
    if (err instanceof ToolError) logger().warn({ reason: error }, 'tool call refused');
    else logger().error({ err }, 'tool call failed');
    return {
      isError: true,
      content: [{ type: 'text', text: `${error} (correlation id ${correlationId})` }],
      // A refusal's structured facts (candidates, retry_after_seconds) ride in _meta: structuredContent
      // would be checked against the tool's outputSchema by clients.
      _meta: { ...(err instanceof ToolError ? err.meta : {}), correlation_id: correlationId },
    };
  } finally {
    const elapsedMs = performance.now() - started;
    const durationMs = Math.round(elapsedMs);
    if (child) child.info({ outcome, durationMs }, 'tool call');
    else deps.logger.info({ ...bindings, outcome, durationMs }, 'tool call');
    deps.metrics?.recordToolCall(tool.name, outcome, elapsedMs / 1000);
    await writeAudit(deps, session, { tool: tool.name, input, outcome, durationMs, correlationId, error });
  }
}
