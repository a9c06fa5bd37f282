// Builds an McpServer with every registered tool wrapped in the common call path:
// correlation id, structured + text reply, sanitised errors, and an audit row.
import { randomUUID } from 'node:crypto';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import { CallToolRequestSchema, type CallToolResult, type ServerNotification, type ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import type { GatewayDeps, ToolDefinition } from './context.js';
import { publicMessage, redactSecrets, ToolError } from './errors.js';
import { redactParams } from './redact.js';
import { SessionGuard } from './session-guard.js';
import { routeScanTasks, SCAN_TASK_CAPABILITIES, ScanTaskStore } from './tasks/index.js';
import { TOOLS } from './tools/index.js';

export const SERVER_INFO = { name: 'finops-tag-compliance', version: '0.1.0' };

export interface SessionInfo {
  sessionId?: string;
  actor?: string;
}

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

export function createMcpServer(deps: GatewayDeps, session: SessionInfo = {}, tools: ToolDefinition[] = TOOLS): McpServer {
  const guard = new SessionGuard(deps.config.gateway);
  const server = new McpServer(SERVER_INFO, {
    // `tools` is declared by the first registerTool, after auditCallsRefusedBySdk is in place.
    capabilities: { logging: {}, tasks: SCAN_TASK_CAPABILITIES },
    // MCP tasks (experimental): scan workflows in Temporal, readable from any replica.
    taskStore: new ScanTaskStore(deps),
    instructions:
      'FinOps tag compliance. Call get_tagging_policy to see what is required; compliance scans run as durable ' +
      'workflows, so long scans return a handle instead of timing out.',
  });
  routeScanTasks(server, tools, (tool, input, extra) => callTool(deps, session, guard, tool, input, extra));
  auditCallsRefusedBySdk(server, deps, session);
  for (const tool of tools) {
    server.registerTool(
      tool.name,
      {
        title: tool.title,
        description: tool.description,
        inputSchema: tool.inputSchema,
        outputSchema: tool.outputSchema,
        annotations: tool.annotations,
      },
      ((input: Record<string, unknown>, extra: Extra) => callTool(deps, session, guard, tool, input, extra)) as never,
    );
  }
  return server;
}

/**
 * The SDK answers some calls before any tool handler runs: arguments that fail the input schema,
 * unknown tools. Those replies get a correlation id and an audit row too. The SDK installs its
 * tools/call handler when the first tool is registered; this wraps it as it is installed.
 */
function auditCallsRefusedBySdk(server: McpServer, deps: GatewayDeps, session: SessionInfo): void {
  const lowLevel = server.server;
  const install = lowLevel.setRequestHandler.bind(lowLevel);
  lowLevel.setRequestHandler = ((schema: typeof CallToolRequestSchema, handler: (req: unknown, extra: Extra) => Promise<CallToolResult>) => {
    if (schema !== CallToolRequestSchema) return install(schema, handler as never);
    return install(schema, async (request, extra) => {
      const started = performance.now();
      const result = await handler(request, extra);
      if (!result.isError || result._meta?.correlation_id) return result;
      const correlationId = randomUUID();
      const error = redactSecrets(result.content.map((c) => (c.type === 'text' ? c.text : '')).join(' ')).slice(0, 2000);
      await writeAudit(deps, session, {
        tool: String(request.params.name).slice(0, 200), input: request.params.arguments, outcome: 'invalid',
        durationMs: Math.round(performance.now() - started), correlationId, error,
      });
      return { isError: true, content: [{ type: 'text', text: `${error} (correlation id ${correlationId})` }], _meta: { correlation_id: correlationId } };
    });
  }) as typeof lowLevel.setRequestHandler;
}

interface AuditFacts {
  tool: string;
  input: unknown;
  outcome: string;
  durationMs: number;
  correlationId: string;
  error?: string;
}

async function writeAudit(deps: GatewayDeps, session: SessionInfo, facts: AuditFacts): Promise<void> {
  await deps.store
    .recordAudit({
      actor: session.actor ?? null,
      sessionId: session.sessionId ?? null,
      tool: facts.tool,
      params: redactParams(facts.input),
      outcome: facts.outcome,
      durationMs: facts.durationMs,
      correlationId: facts.correlationId,
      error: facts.error ?? null,
    })
    .catch((auditErr: unknown) => deps.logger.error({ err: auditErr, correlationId: facts.correlationId }, 'audit log write failed'));
}

/** Progress notifications for the request's progress token, if the client sent one. */
function progressReporter(extra: Extra | undefined) {
  const token = extra?._meta?.progressToken;
  return async (progress: number, total: number | undefined, message: string) => {
    if (token === undefined || !extra) return;
    await extra.sendNotification({
      method: 'notifications/progress',
      params: { progressToken: token, progress, ...(total !== undefined ? { total } : {}), message },
    }).catch(() => {}); // a client that went away does not fail the call
  };
}

async function callTool(deps: GatewayDeps, session: SessionInfo, guard: SessionGuard, tool: ToolDefinition,
  input: Record<string, unknown>, extra?: Extra): Promise<CallToolResult> {
  const correlationId = randomUUID();
  const started = performance.now();
  const logger = deps.logger.child({ correlationId, tool: tool.name, sessionId: session.sessionId });
  let outcome = 'ok';
  let error: string | undefined;
  try {
    guard.admit(tool.name, input);
    const result = await tool.handler({
      ...deps, logger, correlationId, sessionId: session.sessionId, progress: progressReporter(extra), signal: extra?.signal,
    }, input);
    return {
      content: [{ type: 'text', text: result.text }],
      structuredContent: result.structured as Record<string, unknown>,
      _meta: { correlation_id: correlationId },
    };
  } catch (err) {
    outcome = err instanceof ToolError ? 'refused' : 'error';
    error = publicMessage(err);
    if (err instanceof ToolError) logger.warn({ reason: error }, 'tool call refused');
    else logger.error({ err }, 'tool call failed');
    return {
      isError: true,
      content: [{ type: 'text', text: `${error} (correlation id ${correlationId})` }],
      _meta: { correlation_id: correlationId },
    };
  } finally {
    const durationMs = Math.round(performance.now() - started);
    logger.info({ outcome, durationMs }, 'tool call');
    await writeAudit(deps, session, { tool: tool.name, input, outcome, durationMs, correlationId, error });
  }
}
