// Cleanup for bench/scan: every process, database and temp file it starts is registered here the
// moment it exists, and removed in reverse order on success, on error, and on Ctrl-C / SIGTERM.
const open = new Set<Teardown>();

export class Teardown {
  private readonly steps: { label: string; run: () => Promise<void> }[] = [];

  constructor() {
    open.add(this);
  }

  defer(label: string, run: () => Promise<void>): void {
    this.steps.push({ label, run });
  }

  async close(): Promise<void> {
    open.delete(this);
    for (let step = this.steps.pop(); step; step = this.steps.pop()) {
      try {
        await step.run();
      } catch (err) {
        console.error(`cleanup: ${step.label} failed: ${(err as Error).message}`);
      }
    }
  }
}

/** On SIGINT / SIGTERM: close every open Teardown, then exit. */
export function closeAllOnSignal(): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.error(`\n${signal}: cleaning up`);
      void Promise.all([...open].map((t) => t.close())).finally(() => process.exit(130));
    });
  }
}
