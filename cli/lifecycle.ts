// Stops what a command started, on every exit path (a signal, a failed startup, a transport
// closing, a worker failing), in reverse order of starting, within a deadline: whatever is
// still pending then is abandoned, logged, and the process exits anyway.
import type { Logger } from '../config/logger.js';

/** Ctrl-C, kill, a closed terminal, Ctrl-\. Unhandled, any of these would end us without cleanup. */
export const SHUTDOWN_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'];

export interface StepOptions {
  /** Called for every step as soon as shutdown starts, before any step closes (e.g. stop polling). */
  begin?: () => void;
  /** What this step still holds, logged if the deadline passes before it closes. */
  describe?: () => Record<string, unknown>;
}

interface Step extends StepOptions {
  name: string;
  close(): Promise<void>;
  done: boolean;
}

export class Lifecycle {
  private readonly steps: Step[] = [];
  private stopping: Promise<boolean> | undefined;
  private exiting = false;

  constructor(private readonly logger: Logger, private readonly deadlineMs: number) {}

  get isStopping(): boolean {
    return this.stopping !== undefined;
  }

  /** Registers something to stop; steps close in reverse order of registration. */
  add(name: string, close: () => Promise<void>, opts: StepOptions = {}): void {
    this.steps.push({ name, close, done: false, ...opts });
  }

  /** Signals stop the process (exit 0 when everything closed). A repeated signal is a no-op. */
  handleSignals(): void {
    for (const signal of SHUTDOWN_SIGNALS) process.on(signal, () => void this.exit(signal, 0));
  }

  /**
   * Closes every step once; a later call (a second Ctrl-C) joins the first. Resolves true when
   * every step closed cleanly. Exits the process with 1 if the deadline passes first.
   */
  stop(why: string): Promise<boolean> {
    if (this.stopping) {
      this.logger.info({ why }, 'already shutting down');
      return this.stopping;
    }
    this.logger.info({ why, deadlineSeconds: this.deadlineMs / 1000 }, 'shutting down');
    const timer = setTimeout(() => this.abandon(), this.deadlineMs);
    const steps = [...this.steps].reverse();
    this.stopping = (async () => {
      for (const step of steps) this.guard(step, () => step.begin?.());
      let clean = true;
      for (const step of steps) {
        try {
          await step.close();
        } catch (err) {
          clean = false;
          this.logger.error({ step: step.name, error: err instanceof Error ? err.message : String(err) }, 'shutdown step failed');
        }
        step.done = true;
      }
      clearTimeout(timer);
      return clean;
    })();
    return this.stopping;
  }

  /** stop(), then ends the process: `code`, or 1 if a step failed. Only the first call exits. */
  async exit(why: string, code: number): Promise<void> {
    const clean = await this.stop(why);
    if (this.exiting) return;
    this.exiting = true;
    process.exit(clean ? code : Math.max(code, 1));
  }

  private guard(step: Step, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.logger.warn({ step: step.name, error: err instanceof Error ? err.message : String(err) }, 'shutdown step could not begin');
    }
  }

  private abandon(): void {
    const abandoned = this.steps.filter((s) => !s.done).map((s) => ({ step: s.name, ...s.describe?.() }));
    this.logger.error({ abandoned, deadlineSeconds: this.deadlineMs / 1000 },
      'shutdown deadline passed; exiting anyway (running activities are retried by Temporal once their heartbeat times out)');
    this.exiting = true;
    // Children we launched are killed by their process 'exit' hook (worker/dev-server.ts).
    process.exit(1);
  }
}
