// The io.modelcontextprotocol/tasks extension (SEP-2663) for 2026-07-28 requests, on the SDK's
// public extension hooks: the capability in capabilities.extensions (advertised by server/discover),
// tasks/get, tasks/update and tasks/cancel as custom methods, and tools/call answering a
// CreateTaskResult (resultType "task", which the SDK's encode step passes through for tools/call).
// Task creation is server-directed: a client that declared the extension on its request gets a
// task for a check_tag_compliance call whose answer is not already stored; every other call, and
// every client that did not declare it, gets the ordinary result (with the running handle).
import { ProtocolError, type CallToolResult, type ServerContext, type Task } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { invalidParams } from '../errors.js';
import { asTaskStarter, type TaskStarted, type TaskWiring, type ToolCallParams } from './index.js';
import { decodeTaskId } from './task-id.js';

export const TASKS_EXTENSION = 'io.modelcontextprotocol/tasks';
/** MISSING_REQUIRED_CLIENT_CAPABILITY (2026-07-28). */
const MISSING_CAPABILITY = -32021;

const byId = z.object({ taskId: z.string().min(1).max(4096), _meta: z.record(z.string(), z.unknown()).optional() }).loose();

/** Whether this request's client capabilities (the per-request _meta envelope) declare the extension. */
export function declaresTasks(ctx: ServerContext): boolean {
  // The SDK lifts the envelope out of _meta under its wire keys (their type is not public).
  const envelope = ctx.mcpReq.envelope as Record<string, { extensions?: Record<string, unknown> } | undefined> | undefined;
  const extensions = envelope?.['io.modelcontextprotocol/clientCapabilities']?.extensions;
  return !!extensions && typeof extensions === 'object' && TASKS_EXTENSION in extensions;
}

function requireTasks(ctx: ServerContext): void {
  if (declaresTasks(ctx)) return;
  throw ProtocolError.fromError(MISSING_CAPABILITY, `Missing required client capability: declare the ${TASKS_EXTENSION} extension to use tasks`,
    { requiredCapabilities: { extensions: { [TASKS_EXTENSION]: {} } } });
}

/** The 2026 task shape (ttlMs, pollIntervalMs) of a scan task. */
function wireTask(task: Task): Record<string, unknown> {
  return {
    taskId: task.taskId, status: task.status, createdAt: task.createdAt, lastUpdatedAt: task.lastUpdatedAt,
    ttlMs: task.ttl ?? null, ...(task.pollInterval !== undefined ? { pollIntervalMs: task.pollInterval } : {}),
    ...(task.statusMessage ? { statusMessage: task.statusMessage } : {}),
  };
}

function notFound(taskId: string): ProtocolError {
  return invalidParams(`Failed to retrieve task: Task not found (${taskId.slice(0, 200)})`);
}

export function installExtensionTasks(w: TaskWiring) {
  const { server, store } = w;
  server.registerCapabilities({ extensions: { [TASKS_EXTENSION]: {} } });

  server.setRequestHandler('tasks/get', { params: byId }, async ({ taskId }, ctx) => {
    requireTasks(ctx);
    const task = await store.getTask(taskId);
    if (!task) throw notFound(taskId);
    if (task.status === 'completed') return { ...wireTask(task), result: await store.getTaskResult(taskId) };
    if (task.status === 'failed') {
      // A scan workflow that failed is the task's execution error; its message says what to do.
      const result: CallToolResult = await store.getTaskResult(taskId);
      const message = result.content.map((c) => (c.type === 'text' ? c.text : '')).join(' ');
      return { ...wireTask(task), error: { code: -32603, message } };
    }
    return wireTask(task);
  });

  // No scan asks the client for input, so there is never an outstanding request to answer.
  server.setRequestHandler('tasks/update', { params: byId }, async ({ taskId }, ctx) => {
    requireTasks(ctx);
    if (!(await store.getTask(taskId))) throw notFound(taskId);
    return {};
  });

  // Cooperative and eventually consistent: the ack does not wait for the scan to close.
  server.setRequestHandler('tasks/cancel', { params: byId }, async ({ taskId }, ctx) => {
    requireTasks(ctx);
    const task = await store.getTask(taskId);
    if (!task) throw notFound(taskId);
    if (task.status === 'working') await store.updateTaskStatus(taskId, 'cancelled', 'cancelled through MCP tasks/cancel');
    return {};
  });

  return async (params: ToolCallParams, ctx: ServerContext): Promise<object | undefined> => {
    if (!w.taskTools.has(params.name) || !declaresTasks(ctx)) return undefined;
    const prepared = await w.prepare(params.name, params.arguments);
    if ('refused' in prepared) return prepared.refused;
    const started = await w.run(asTaskStarter(prepared.tool), prepared.input, ctx);
    if (started.isError) return started;
    const taskId = (started.structuredContent as unknown as TaskStarted).task_id;
    // A fresh stored answer is not worth a task: return it as the ordinary result.
    if (decodeTaskId(taskId)?.cachedScanId) return store.getTaskResult(taskId);
    const task = await store.createTask(taskId);
    return { resultType: 'task', ...wireTask(task), content: [], ...(started._meta ? { _meta: started._meta } : {}) };
  };
}
