// An MCP TaskStore backed by Temporal: a task is a compliance scan workflow (see task-id.ts), so
// its state is the workflow's and any gateway replica, or a restarted one, can answer for it.
// Nothing is kept in this process.
//
// Status: RUNNING → working; COMPLETED → completed, or cancelled when the scan closed as cancelled
// (tasks/cancel, cancel_scan; tasks/result still returns the partial data); FAILED, TERMINATED,
// TIMED_OUT → failed; CANCELLED (Temporal's own cancel) → cancelled.
//
// Tasks are not bound to the MCP session that created them: the point is to poll them from another
// session or replica. Whoever can call the gateway can read a task, as with get_scan_status.
import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { CallToolResult, Task } from '@modelcontextprotocol/server';
import type { GatewayDeps } from '../context.js';
import { cancelComplianceScan, isComplianceScan, listComplianceScans, scanHandle, scanProgress } from '../../client/scans.js';
import { progressText } from '../scans/resolve.js';
import { bounded, isTemporalUnavailable, RPC_DEADLINE_MS, statusUnknown } from '../scans/temporal-reach.js';
import { completedCheck } from '../tools/check-tag-compliance.js';
import type { ScanRecord } from '../../store/index.js';
import { decodeTaskId, encodeTaskId, type ScanTaskRef } from './task-id.js';

export const SCAN_TASK_POLL_MS = 1000;
const LIST_PAGE_SIZE = 20;
/** How long tasks/cancel waits for the scan to close, so the reply can already say cancelled. */
const CANCEL_WAIT_MS = 15_000;
const PROGRESS_QUERY_MS = 2000;

type ScanTaskDeps = Pick<GatewayDeps, 'temporal' | 'store' | 'config' | 'logger'>;

interface Resolved {
  task: Task;
  /** The stored scan behind a completed or cancelled task. */
  scanId?: string;
  cached?: boolean;
  /** Why a failed task failed. */
  failure?: string;
}

export function isTerminal(status: Task['status']): boolean {
  return status === 'completed' || status === 'failed' || status === 'cancelled';
}

/** The scan tasks of both eras: 2025-11-25 core tasks and the 2026 io.modelcontextprotocol/tasks extension. */
export class ScanTaskStore {
  constructor(private readonly deps: ScanTaskDeps) {}

  /** The caller has already started the scan; taskId names it (see task-id.ts). */
  async createTask(taskId: string): Promise<Task> {
    const task = await this.getTask(taskId);
    if (!task) throw new Error(`scan task ${taskId} not found right after it was started`);
    return task;
  }

  async getTask(taskId: string): Promise<Task | null> {
    return (await this.resolve(taskId))?.task ?? null;
  }

  async getTaskResult(taskId: string): Promise<CallToolResult> {
    const ref = decodeTaskId(taskId);
    const resolved = ref && (await this.resolve(taskId));
    if (!ref || !resolved) throw new Error(`Task with ID ${taskId} not found`);
    if (!isTerminal(resolved.task.status)) throw new Error(`Task ${taskId} is still ${resolved.task.status}`);
    const correlationId = randomUUID();
    const scan = resolved.scanId ? await this.deps.store.getScan(resolved.scanId) : undefined;
    if (!scan) {
      const text = resolved.failure ?? `scan ${ref.workflowId} ended without a stored result`;
      return { isError: true, content: [{ type: 'text', text: `${text} (correlation id ${correlationId})` }], _meta: { correlation_id: correlationId } } satisfies CallToolResult;
    }
    const out = await completedCheck(this.deps.store, scan, resolved.cached ?? false, {
      severity: ref.severity ?? 'all', limit: ref.limit ?? 50, ...(ref.cursor ? { cursor: ref.cursor } : {}),
    });
    return {
      content: [{ type: 'text', text: out.text }],
      structuredContent: out.structured as Record<string, unknown>,
      _meta: { correlation_id: correlationId },
    } satisfies CallToolResult;
  }

  /** Only cancellation means anything to a scan: it signals the workflow's cancel. */
  async updateTaskStatus(taskId: string, status: Task['status'], statusMessage?: string): Promise<void> {
    if (status !== 'cancelled') return;
    const ref = decodeTaskId(taskId);
    if (!ref || ref.cachedScanId) throw new Error(`Task ${taskId} cannot be cancelled`);
    const handle = scanHandle(this.deps.temporal, ref.workflowId);
    const described = await handle.describe();
    if (described.status.name !== 'RUNNING') throw new Error(`Task ${taskId} is not running`);
    await cancelComplianceScan(this.deps.temporal, ref.workflowId, statusMessage ?? 'cancelled through MCP tasks/cancel');
    // The scan stops starting shards and closes as cancelled, usually within seconds.
    await Promise.race([handle.result().catch(() => undefined), new Promise((r) => setTimeout(r, CANCEL_WAIT_MS).unref())]);
  }

  /** Recent scan workflows, newest first; the cursor is Temporal's page token. */
  async listTasks(cursor?: string): Promise<{ tasks: Task[]; nextCursor?: string }> {
    const page = await listComplianceScans(this.deps.temporal, this.deps.config.temporal.namespace, LIST_PAGE_SIZE,
      cursor ? Buffer.from(cursor, 'base64url') : undefined);
    const tasks = (await Promise.all(page.workflowIds.map((id) => this.getTask(encodeTaskId({ workflowId: id })).catch(() => null))))
      .filter((t): t is Task => t !== null);
    const token = page.nextPageToken;
    return { tasks, ...(token ? { nextCursor: Buffer.from(token).toString('base64url') } : {}) };
  }

  private async resolve(taskId: string): Promise<Resolved | undefined> {
    const ref = decodeTaskId(taskId);
    if (!ref) return undefined;
    if (ref.cachedScanId) return this.resolveCached(taskId, ref, ref.cachedScanId);
    const handle = scanHandle(this.deps.temporal, ref.workflowId);
    // Bounded: an unreachable Temporal is "status unknown", not a task that failed or vanished.
    const described = await bounded(this.deps.temporal, RPC_DEADLINE_MS, () => handle.describe()).catch((err: unknown) => {
      if (err instanceof WorkflowNotFoundError) return undefined;
      throw isTemporalUnavailable(err) ? statusUnknown(ref.workflowId, err) : err;
    });
    if (!described || !isComplianceScan(described)) return undefined;
    const base = {
      taskId, ttl: null, pollInterval: SCAN_TASK_POLL_MS,
      createdAt: described.startTime.toISOString(),
      lastUpdatedAt: (described.closeTime ?? new Date()).toISOString(),
    };
    switch (described.status.name) {
      case 'RUNNING':
      case 'CONTINUED_AS_NEW': {
        // A query needs a worker; without one, answer without the progress line rather than hang.
        const progress = await Promise.race([
          scanProgress(this.deps.temporal, ref.workflowId).catch(() => undefined),
          new Promise<undefined>((r) => setTimeout(() => r(undefined), PROGRESS_QUERY_MS).unref()),
        ]);
        return { task: { ...base, status: 'working', ...(progress ? { statusMessage: progressText(progress) } : {}) } };
      }
      case 'COMPLETED': {
        const result = await handle.result();
        const cancelled = result.status === 'cancelled';
        return {
          task: { ...base, status: cancelled ? 'cancelled' : 'completed',
            ...(cancelled ? { statusMessage: 'scan cancelled: tasks/result returns the partial data' } : {}) },
          scanId: result.scanId,
        };
      }
      case 'CANCELLED':
        return { task: { ...base, status: 'cancelled', statusMessage: 'scan workflow cancelled' },
          failure: `scan ${ref.workflowId} was cancelled in Temporal; start it again` };
      default: {
        const how = described.status.name.toLowerCase();
        return { task: { ...base, status: 'failed', statusMessage: `scan workflow ${how}` },
          failure: `scan ${ref.workflowId} ended ${how}; start it again, or see it in the Temporal Web UI` };
      }
    }
  }

  private async resolveCached(taskId: string, ref: ScanTaskRef, scanId: string): Promise<Resolved | undefined> {
    const scan: ScanRecord | undefined = await this.deps.store.getScan(scanId);
    if (!scan || scan.workflowId !== ref.workflowId || (scan.status !== 'completed' && scan.status !== 'cancelled')) return undefined;
    const at = new Date(scan.finishedAt ?? scan.startedAt).toISOString();
    return {
      task: { taskId, ttl: null, pollInterval: SCAN_TASK_POLL_MS, createdAt: at, lastUpdatedAt: at,
        status: scan.status === 'cancelled' ? 'cancelled' : 'completed' },
      scanId, cached: true,
    };
  }
}
