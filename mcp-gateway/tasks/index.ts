// Tasks for the tools that may run a long scan (check_tag_compliance), in both protocol eras:
//   2025-11-25: core tasks. A tools/call with params.task answers with a CreateTaskResult at once;
//               tasks/get, tasks/result, tasks/list and tasks/cancel follow it (legacy-tasks.ts).
//   2026-07-28: the io.modelcontextprotocol/tasks extension, declared in capabilities.extensions.
//               The server decides: a client that declared the extension on its request gets a task
//               handle (resultType "task") when the answer is not already stored; tasks/get,
//               tasks/update and tasks/cancel follow it (extension-tasks.ts).
// SDK v2 serves neither (it dropped 2025 tasks and has no tasks extension yet): both are built on
// its public custom-method handlers. A task id is the scan's Temporal workflow id plus the page
// asked for (task-id.ts), and ScanTaskStore reads Temporal and the store: any replica answers.
import type { ServerContext } from '@modelcontextprotocol/server';
import { z } from 'zod';
import type { GatewayDeps, ToolContext, ToolDefinition, ToolResult } from '../context.js';
import { findOrStartScan } from '../scans/resolve.js';
import { confirmScopeOrAsk } from '../scans/confirm-scope.js';
import { scopeOf, type ScopeArgs } from '../scans/params.js';
import type { GatewayServer, PrepareCall, RunTool } from '../server.js';
import { installExtensionTasks } from './extension-tasks.js';
import { installLegacyTasks } from './legacy-tasks.js';
import { ScanTaskStore } from './scan-task-store.js';
import { encodeTaskId } from './task-id.js';

export { ScanTaskStore } from './scan-task-store.js';

export type ProtocolEra = 'legacy' | 'modern';

export type TaskStarted = { task_id: string };
type TaskStarter = (ctx: ToolContext, input: never) => Promise<ToolResult<TaskStarted>>;

interface CheckInput extends ScopeArgs {
  confirm_scope?: boolean;
  severity: 'all' | 'errors_only' | 'warnings_only';
  limit: number;
  cursor?: string;
  store_snapshot: boolean;
  force_refresh: boolean;
}

/** check_tag_compliance as a task: a fresh stored result completes at once, else the scan's workflow. */
async function startCheckTask(ctx: ToolContext, input: CheckInput): Promise<ToolResult<TaskStarted>> {
  const scope = scopeOf(input);
  // A task cannot pause for input_required here: an unconfirmed org-wide scope is refused with the question.
  await confirmScopeOrAsk({ ...ctx, request: undefined }, 'check_tag_compliance', scope, input.confirm_scope);
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

/** The tools that can run as a task, by name. */
export const TASK_STARTERS: Record<string, TaskStarter> = {
  check_tag_compliance: startCheckTask as TaskStarter,
};

/** The tool with its handler replaced by its task starter (same guard, audit and correlation id). */
export function asTaskStarter(tool: ToolDefinition): ToolDefinition {
  return { ...tool, outputSchema: taskStartedSchema, handler: TASK_STARTERS[tool.name]! as ToolDefinition['handler'] };
}

const taskStartedSchema = z.object({ task_id: z.string() });

export interface ToolCallParams {
  name: string;
  arguments?: Record<string, unknown>;
  task?: { ttl?: number | null };
  [key: string]: unknown;
}

export interface ScanTasks {
  /** Names of the tools that can run as a task. */
  taskTools: ReadonlySet<string>;
  /** The tools/call answer when the call becomes (or is refused as) a task; undefined for an ordinary call. */
  routeCall(params: ToolCallParams, ctx: ServerContext): Promise<object | undefined>;
}

export interface ServerWiring {
  server: GatewayServer;
  deps: GatewayDeps;
  tools: ToolDefinition[];
  run: RunTool;
  prepare: PrepareCall;
}

export interface TaskWiring extends ServerWiring {
  taskTools: Map<string, ToolDefinition>;
  store: ScanTaskStore;
}

/** Installs the era's task methods on the server and returns the tools/call routing. */
export function installScanTasks(server: ServerWiring, era: ProtocolEra): ScanTasks {
  const taskTools = new Map(server.tools.filter((t) => TASK_STARTERS[t.name]).map((t) => [t.name, t]));
  const wiring: TaskWiring = { ...server, taskTools, store: new ScanTaskStore(server.deps) };
  const routeCall = era === 'legacy' ? installLegacyTasks(wiring) : installExtensionTasks(wiring);
  return { taskTools: new Set(era === 'legacy' ? taskTools.keys() : []), routeCall };
}
