// 2025-11-25 core tasks (SEP-1686), kept for 2025-era sessions: SDK v2 dropped them (inbound
// tasks/* answer -32601 unless a server registers them), so they are registered here as custom
// methods with the 2025 wire shapes. A tools/call with params.task on a task tool starts (or
// joins) the scan and answers with a CreateTaskResult; any other tool refuses params.task.
import { ProtocolError, type CallToolResult, type ServerContext, type Task } from '@modelcontextprotocol/server';
import { z } from 'zod';
import type { ToolDefinition } from '../context.js';
import { invalidParams, ToolError } from '../errors.js';
import { asTaskStarter, type TaskStarted, type TaskWiring, type ToolCallParams } from './index.js';
import { isTerminal, SCAN_TASK_POLL_MS } from './scan-task-store.js';

const RELATED_TASK = 'io.modelcontextprotocol/related-task';
const meta = { _meta: z.record(z.string(), z.unknown()).optional() };
const byId = z.object({ taskId: z.string().min(1).max(4096), ...meta }).loose();

/** A refused task call is an InvalidParams error carrying the tool's message (a task call has no error result). */
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

function notFound(taskId: string): ProtocolError {
  return invalidParams(`Failed to retrieve task: Task not found (${taskId.slice(0, 200)})`);
}

/** Registers tasks/get, tasks/result, tasks/list and tasks/cancel; returns the tools/call routing. */
export function installLegacyTasks(w: TaskWiring) {
  const { server, store } = w;
  server.registerCapabilities({ tasks: { list: {}, cancel: {}, requests: { tools: { call: {} } } } } as never);

  server.setRequestHandler('tasks/get', { params: byId }, async ({ taskId }) => {
    const task = await store.getTask(taskId);
    if (!task) throw notFound(taskId);
    return task;
  });

  // As in the 2025 spec, tasks/result blocks until the task is terminal (or the request is cancelled).
  server.setRequestHandler('tasks/result', { params: byId }, async ({ taskId }, ctx) => {
    for (;;) {
      const task = await store.getTask(taskId);
      if (!task) throw notFound(taskId);
      if (isTerminal(task.status)) break;
      await sleep(task.pollInterval ?? SCAN_TASK_POLL_MS, ctx.mcpReq.signal);
    }
    const result = await store.getTaskResult(taskId);
    return { ...result, _meta: { ...result._meta, [RELATED_TASK]: { taskId } } };
  });

  server.setRequestHandler('tasks/list', { params: z.object({ cursor: z.string().max(4096).optional(), ...meta }).loose() },
    async ({ cursor }) => store.listTasks(cursor));

  server.setRequestHandler('tasks/cancel', { params: byId }, async ({ taskId }) => {
    const task = await store.getTask(taskId);
    if (!task) throw notFound(taskId);
    if (isTerminal(task.status)) throw invalidParams(`Cannot cancel task ${taskId}: it is already in terminal status ${task.status}`);
    await store.updateTaskStatus(taskId, 'cancelled', 'cancelled through MCP tasks/cancel');
    return (await store.getTask(taskId)) ?? task;
  });

  return async (params: ToolCallParams, ctx: ServerContext): Promise<object | undefined> => {
    if (!params.task) return undefined;
    const tool = w.taskTools.get(params.name);
    if (!tool) {
      // Not a task tool: refuse before it runs. An unknown name gets the ordinary, audited, refusal.
      const prepared = await w.prepare(params.name, params.arguments);
      if ('refused' in prepared) refuse(prepared.refused);
      refuse(await w.run(refusingTaskCall(prepared.tool, [...w.taskTools.keys()]), prepared.input, ctx));
    }
    const prepared = await w.prepare(params.name, params.arguments);
    if ('refused' in prepared) refuse(prepared.refused);
    const started = await w.run(asTaskStarter(prepared.tool), prepared.input, ctx);
    if (started.isError) refuse(started);
    const taskId = (started.structuredContent as unknown as TaskStarted).task_id;
    const task: Task = await store.createTask(taskId);
    // content: [] keeps the SDK's 2025 tools/call result check satisfied; the client reads `task`.
    return { task, content: [], ...(started._meta ? { _meta: started._meta } : {}) };
  };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) { reject(new Error('request cancelled')); return; }
    const timer = setTimeout(() => { signal.removeEventListener('abort', onAbort); resolve(); }, ms);
    const onAbort = () => { clearTimeout(timer); reject(new Error('request cancelled')); };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
