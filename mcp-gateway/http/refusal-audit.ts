// Refused HTTP requests (401, 403, 413, 429, 503) leave a trace: an audit row and a log line with the
// reason. A flood of refusals must not become a flood of rows, so each client address gets at most
// REFUSAL_ROWS_PER_MINUTE rows per status per minute; the rest are counted, and the count is logged
// when the address's next window opens (or its window is pruned, or the gateway closes).
import { randomUUID } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { writeAudit } from '../audit.js';
import type { GatewayDeps } from '../context.js';

export const REFUSAL_ROWS_PER_MINUTE = 10;
const WINDOW_MS = 60_000;
/** Addresses tracked at once; beyond it (many addresses refused within a minute) refusals are only counted. */
const MAX_TRACKED = 10_000;

interface Window {
  startedAt: number;
  rows: number;
  suppressed: number;
}

export interface Refusal {
  status: number;
  reason: string;
  /** The key identity, when the request carried a valid key. */
  actor?: string;
}

export class RefusalAuditor {
  private readonly windows = new Map<string, Window>();
  /** Refusals neither audited nor tracked because MAX_TRACKED addresses were already tracked. */
  private untracked = 0;
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly deps: GatewayDeps, private readonly now: () => number = Date.now) {}

  record(req: FastifyRequest, refusal: Refusal): void {
    const ip = req.ip;
    const key = `${refusal.status} ${ip}`;
    const now = this.now();
    let window = this.windows.get(key);
    if (window && now - window.startedAt >= WINDOW_MS) {
      this.reportSuppressed(ip, refusal.status, window);
      window = undefined;
    }
    if (!window) {
      if (this.windows.size >= MAX_TRACKED) this.prune(now);
      if (this.windows.size >= MAX_TRACKED) {
        this.untracked++;
        return;
      }
      window = { startedAt: now, rows: 0, suppressed: 0 };
      this.windows.set(key, window);
    }
    if (window.rows >= REFUSAL_ROWS_PER_MINUTE) {
      window.suppressed++;
      return;
    }
    window.rows++;
    const path = req.url.split('?')[0]!.slice(0, 200); // the query string is the caller's, never logged
    this.deps.logger.warn({ ip, method: req.method, path, status: refusal.status, reason: refusal.reason }, 'http request refused');
    const write = writeAudit(this.deps, { actor: refusal.actor ?? null }, {
      tool: `http:${refusal.status}`,
      input: { method: req.method, path, ip },
      outcome: 'refused',
      durationMs: 0,
      correlationId: randomUUID(),
      error: refusal.reason,
    });
    this.pending.add(write);
    void write.finally(() => this.pending.delete(write));
  }

  /** Waits for the rows being written and logs the counts of refusals not audited. */
  async flush(): Promise<void> {
    for (const [key, window] of this.windows) {
      const [status, ip] = [Number(key.slice(0, 3)), key.slice(4)];
      this.reportSuppressed(ip, status, window);
    }
    this.windows.clear();
    if (this.untracked > 0) {
      this.deps.logger.warn({ suppressed: this.untracked }, 'http refusals not audited: too many client addresses at once');
      this.untracked = 0;
    }
    await Promise.allSettled([...this.pending]);
  }

  private reportSuppressed(ip: string, status: number, window: Window): void {
    if (window.suppressed === 0) return;
    this.deps.logger.warn({ ip, status, suppressed: window.suppressed, rowsPerMinute: REFUSAL_ROWS_PER_MINUTE },
      'http refusals not audited (over the per-address audit rate)');
    window.suppressed = 0;
  }

  /** Forgets windows older than a minute, logging what they suppressed. */
  private prune(now: number): void {
    for (const [key, window] of this.windows) {
      if (now - window.startedAt < WINDOW_MS) continue;
      this.reportSuppressed(key.slice(4), Number(key.slice(0, 3)), window);
      this.windows.delete(key);
    }
  }
}
