// Session churn must not grow the gateway's memory: 2,000 sessions opened and closed with DELETE,
// then 2,000 opened and abandoned until the idle timeout closes them. The registry must be empty
// afterwards (exact) and the heap, after a full GC, within a loose bound of where it started (a
// leaked session costs about 46 KB, so 4,000 leaked ones would be ~180 MB).
import { Agent } from 'node:http';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionsOf } from '../../mcp-gateway/http.js';
import type { SessionRegistry } from '../../mcp-gateway/http/sessions.js';
import { INITIALIZE, mcpHeaders, raw, startGatewayStack, type GatewayStack } from '../support/http-gateway.js';

const CHURN = 2000;
const CONCURRENCY = 8;
/** Generous: heap noise after a full GC is a few MB; a leak of this churn would be ~180 MB. */
const MAX_HEAP_GROWTH_BYTES = 32 * 1024 * 1024;

/** A full, synchronous GC without --expose-gc on the command line. */
function fullGc(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

async function heapAfterGc(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    fullGc();
    await new Promise((r) => setImmediate(r)); // let closed sockets and timers go
  }
  return process.memoryUsage().heapUsed;
}

async function inParallel(count: number, task: () => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < count) {
      next++;
      await task();
    }
  }));
}

describe('HTTP gateway session churn', () => {
  let stack: GatewayStack;
  let url: string;
  let sessions: SessionRegistry;
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });

  beforeAll(async () => {
    stack = await startGatewayStack('gateway-session-churn');
    const gateway = await stack.start({ sessionIdleTimeoutSeconds: 1, rateLimitPerMinute: 1_000_000, maxSessionsPerPrincipal: 10_000, maxSessions: 10_000 });
    url = gateway.url;
    sessions = sessionsOf(gateway.app)!;
  });

  afterAll(async () => {
    agent.destroy();
    await stack?.close();
  });

  async function open(): Promise<string> {
    const res = await raw(`${url}/mcp`, { method: 'POST', headers: mcpHeaders(), body: JSON.stringify(INITIALIZE), agent });
    expect(res.status).toBe(200);
    return res.headers['mcp-session-id'] as string;
  }

  async function openAndDelete(): Promise<void> {
    const id = await open();
    // The Python SDK's framing: Content-Type: application/json and an empty body.
    const res = await raw(`${url}/mcp`, { method: 'DELETE', headers: { 'mcp-session-id': id, 'content-type': 'application/json' }, body: '', agent });
    expect(res.status).toBe(200);
  }

  async function untilEmpty(): Promise<void> {
    const deadline = Date.now() + 60_000;
    while (sessions.size > 0) {
      if (Date.now() > deadline) throw new Error(`${sessions.size} sessions still open`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it('returns to an empty registry and a flat heap', { timeout: 300_000 }, async () => {
    await inParallel(200, openAndDelete); // warm up: code paths compiled, pools filled
    await untilEmpty();
    const before = await heapAfterGc();
    const rssBefore = process.memoryUsage().rss;

    await inParallel(CHURN, openAndDelete);
    expect(sessions.size).toBe(0);
    await inParallel(CHURN, async () => { await open(); });
    await untilEmpty();
    expect(sessions.size).toBe(0);

    const after = await heapAfterGc();
    process.stderr.write(`session churn: ${2 * CHURN} sessions, heap ${mib(before)} -> ${mib(after)} MiB, ` +
      `rss ${mib(rssBefore)} -> ${mib(process.memoryUsage().rss)} MiB\n`);
    expect(after - before).toBeLessThan(MAX_HEAP_GROWTH_BYTES);
  });
});

const mib = (bytes: number) => (bytes / 1_048_576).toFixed(1);
