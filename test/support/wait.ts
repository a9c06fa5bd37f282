// Polling helpers for tests that wait on another process (a workflow, a worker, a server).

/** Polls `probe` until it returns a value, or throws `timed out waiting for <what>`. */
export async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs: number, what: string,
  opts: { intervalMs?: number; ignoreErrors?: boolean } = {}): Promise<T> {
  for (const deadline = Date.now() + timeoutMs; ;) {
    const value = await (opts.ignoreErrors ? probe().catch(() => undefined) : probe());
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 250));
  }
}

/** Polls `ready` until it holds, or throws the message `what()` gives at that moment. */
export async function waitUntil(ready: () => Promise<boolean> | boolean, timeoutMs: number, what: () => string, intervalMs = 100): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !(await ready());) {
    if (Date.now() > deadline) throw new Error(what());
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
