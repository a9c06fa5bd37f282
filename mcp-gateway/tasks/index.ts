// MCP tasks (experimental in the SDK) for the tools that may run a long scan. A call with
// params.task starts (or joins) the scan and answers at once with a CreateTaskResult whose task id
// is the scan workflow's id; tasks/get, tasks/result, tasks/list and tasks/cancel are answered by
// ScanTaskStore from Temporal and the store, so a task outlives the gateway that created it.
//
// The tools stay ordinary registerTool tools: registerToolTask with taskSupport 'optional' would
// make the SDK turn every plain call into create-task-then-poll, losing wait_seconds, the running
// handle and progress notifications. Instead this wraps the SDK's tools/call handler (task calls
// to these tools are routed here) and its tools/list handler (which advertises taskSupport).
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import {
  CallToolRequestSchema, ListToolsRequestSchema, type CallToolRequest, type CallToolResult, type ListToolsResult,
  type ServerCapabilities, type ServerNotification, type ServerRequest,
} from '@modelcontextprotocol/sdk/types.js';
import type { ToolContext, ToolDefinition, ToolResult } from '../context.js';
import { invalidParams, ToolError } from '../errors.js';
import { findOrStartScan } from '../scans/resolve.js';
import { scopeOf, type ScopeArgs } from '../scans/params.js';
import { encodeTaskId } from './task-id.js';

export { ScanTaskStore } from './scan-task-store.js';

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

export const SCAN_TASK_CAPABILITIES: NonNullable<ServerCapabilities['tasks']> = {
  list: {}, cancel: {}, requests: { tools: { call: {} } },
};

type TaskStarted = { task_id: string };
type TaskStarter = (ctx: ToolContext, input: never) => Promise<ToolResult<TaskStarted>>;

interface CheckInput extends ScopeArgs {
  severity: 'all' | 'errors_only' | 'warnings_only';
  limit: number;
  cursor?: string;
  store_snapshot: boolean;
  force_refresh: boolean;
}

/** check_tag_compliance as a task: a fresh stored result completes at once, else the scan's workflow. */
async function startCheckTask(ctx: ToolContext, input: CheckInput): Promise<ToolResult<TaskStarted>> {
  const scope = scopeOf(input);
  const paging = { severity: input.severity, limit: input.limit, ...(input.cursor ? { cursor: input.cursor } : {}) };
  const found = await findOrStartScan(ctx, { scope, forceRefresh: input.force_refresh, storeSnapshot: input.store_snapshot });
  if ('cached' in found) {
    const taskId = encodeTaskId({ workflowId: found.cached.workflowId, cachedScanId: found.cached.id, ...paging });
    return { structured: { task_id: taskId }, text: `Task ${taskId}: answered from the stored scan ${found.cached.id}.` };
  }
  const { workflowId } = found;
  const taskId = encodeTaskId({ workflowId, ...paging });
  return { structured: { task_id: taskId }, text: `Task ${taskId}: scan ${workflowId} started.` };
}

/** The tools that accept params.task, by name. */
export const TASK_STARTERS: Record<string, TaskStarter> = {
  check_tag_compliance: startCheckTask as TaskStarter,
};

/**
 * A task call must be answered with a CreateTaskResult or a JSON-RPC error (the SDK rejects a
 * CallToolResult), so a refused task call is an InvalidParams error carrying the tool's message.
 */
function refuse(result: CallToolResult): never {
  const text = result.content.map((c) => (c.type === 'text' ? c.text : '')).join(' ');
  throw invalidParams(text, typeof result._meta?.correlation_id === 'string' ? result._meta.correlation_id : undefined);
}

/** The tool, as a call that refuses to run because it was asked for as a task (audited as refused). */
function refusingTaskCall(tool: ToolDefinition, taskToolNames: string[]): ToolDefinition {
  const supported = taskToolNames.length ? `tools that can run as a task: ${taskToolNames.join(', ')}` : 'no tool here runs as a task';
  return {
    ...tool,
    // Nothing runs, so there is nothing to audit ahead of it (see the fail-closed rule in server.ts).
    annotations: { ...tool.annotations, readOnlyHint: true },
    handler: () => Promise.reject(new ToolError(`${tool.name} cannot run as a task: call it without params.task (${supported})`)),
  };
}

/** Runs a tool through the gateway's common call path (guard, correlation id, audit). */
export type RunTool = (tool: ToolDefinition, input: Record<string, unknown>, extra: Extra) => Promise<CallToolResult>;

/**
 * Installs the task routing on the SDK's tools/call and tools/list handlers as the SDK installs
 * them (at the first registerTool). Call it before registering tools and before any other wrapper
 * of tools/call, so that it runs first and a refused task call has been audited by the others.
 */
export function routeScanTasks(server: McpServer, tools: ToolDefinition[], run: RunTool): void {
  const taskTools = new Map(tools.filter((t) => TASK_STARTERS[t.name]).map((t) => [t.name, t]));
  const lowLevel = server.server;
  const install = lowLevel.setRequestHandler.bind(lowLevel);
  lowLevel.setRequestHandler = ((schema: unknown, handler: (req: never, extra: Extra) => Promise<unknown>) => {
    if (schema === ListToolsRequestSchema) {
      return install(ListToolsRequestSchema, async (request, extra) => {
        const result = await (handler as (r: unknown, e: Extra) => Promise<ListToolsResult>)(request, extra);
        return { ...result, tools: result.tools.map((t) => (taskTools.has(t.name) ? { ...t, execution: { taskSupport: 'optional' } } : t)) };
      });
    }
    if (schema !== CallToolRequestSchema) return install(schema as typeof CallToolRequestSchema, handler as never);
    const sdkCall = handler as (req: CallToolRequest, extra: Extra) => Promise<CallToolResult>;
    return install(CallToolRequestSchema, async (request, extra) => {
      if (!request.params.task) return sdkCall(request, extra);
      const tool = taskTools.get(request.params.name);
      if (!tool || !extra.taskStore) {
        // Not a task tool: refuse before it runs (it would run, then the SDK would reject its plain
        // result as a task reply). An unknown name gets the SDK's own, audited, refusal.
        const known = tools.find((t) => t.name === request.params.name);
        if (!known) refuse(await sdkCall(request, extra));
        refuse(await run(refusingTaskCall(known, [...taskTools.keys()]), request.params.arguments ?? {}, extra));
      }
      const parsed = tool.inputSchema.safeParse(request.params.arguments ?? {});
      // Invalid arguments: the SDK's own refusal (audited; it validates before running anything).
      if (!parsed.success) refuse(await sdkCall(request, extra));
      const starter = TASK_STARTERS[tool.name]!;
      const started = await run({ ...tool, handler: starter as ToolDefinition['handler'] }, parsed.data as Record<string, unknown>, extra);
      if (started.isError) refuse(started);
      const taskId = (started.structuredContent as unknown as TaskStarted).task_id;
      const task = await extra.taskStore.createTask({ ttl: request.params.task?.ttl ?? null, context: { taskId } });
      return { task, ...(started._meta ? { _meta: started._meta } : {}) } as never;
    });
  }) as typeof lowLevel.setRequestHandler;
}
