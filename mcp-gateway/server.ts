// Builds an McpServer with every registered tool wrapped in the common call path:
// correlation id, structured + text reply, sanitised errors, and an audit row.
import { randomUUID } from 'node:crypto';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { CallToolResult, ServerNotification, ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import { tryWriteAudit, writeAudit } from './audit.js';
import type { GatewayDeps, ToolDefinition } from './context.js';
import { publicMessage, ToolError } from './errors.js';
import { auditCallsRefusedBySdk, refuseMalformedToolCalls } from './sdk-refusals.js';
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
  // Last: it wraps the tools/call handler the SDK installed, so it sees a request before the SDK parses it.
  refuseMalformedToolCalls(server, deps, session);
  return server;
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
    // Fail closed: a call that changes state (not readOnlyHint) runs only once its audit row is
    // written. Read-only calls run anyway; their failed row is counted and shown in /health.
    if (tool.annotations.readOnlyHint !== true
      && !(await tryWriteAudit(deps, session, { tool: tool.name, input, outcome: 'started', durationMs: 0, correlationId }))) {
      throw new ToolError(`${tool.name} was not run: the audit log cannot be written right now, and calls that change state are only run once audited; retry later`);
    }
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
