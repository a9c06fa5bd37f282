// Ctrl-C while a scan is followed: the scan runs in Temporal, not in this process, so stopping the
// command does not stop the scan. In a terminal the user chooses (cancel it, or leave it running);
// anywhere else it is left running, and said so.
import { createInterface } from 'node:readline';

export type InterruptChoice = 'cancel' | 'leave' | 'leave-now';

export const CANCEL_PROMPT = 'Cancel the scan in Temporal, or leave it running? [c/L] ';

/** SIGINTs counted while a scan is followed; `next()` resolves at the next one. */
export class InterruptWatch {
  count = 0;
  // One promise per signal, shared by every waiter: a poll loop asking each round adds nothing.
  private pending?: { promise: Promise<void>; wake: () => void };
  private readonly onSignal = () => {
    this.count++;
    this.wakeAll();
  };

  constructor() {
    process.on('SIGINT', this.onSignal);
  }

  next(): Promise<void> {
    if (!this.pending) {
      let wake!: () => void;
      const promise = new Promise<void>((resolve) => { wake = resolve; });
      this.pending = { promise, wake };
    }
    return this.pending.promise;
  }

  dispose(): void {
    process.off('SIGINT', this.onSignal);
    this.wakeAll();
  }

  private wakeAll(): void {
    const pending = this.pending;
    this.pending = undefined;
    pending?.wake();
  }
}

/**
 * Asks on the terminal. `c` (or `cancel`) cancels; Enter, `l` or anything else leaves it running;
 * a second Ctrl-C (readline owns the terminal now, so it arrives as its SIGINT event) or the end of
 * input leaves it running at once.
 */
export function askCancelOrLeave(input: NodeJS.ReadableStream, output: NodeJS.WritableStream): Promise<InterruptChoice> {
  return new Promise((resolve) => {
    const rl = createInterface({ input, output, terminal: true });
    let answered = false;
    const settle = (choice: InterruptChoice) => {
      if (answered) return;
      answered = true;
      rl.close();
      resolve(choice);
    };
    rl.on('SIGINT', () => {
      output.write('\n');
      settle('leave-now');
    });
    rl.on('close', () => settle('leave-now'));
    rl.question(CANCEL_PROMPT, (answer) => settle(/^\s*c(ancel)?\s*$/i.test(answer) ? 'cancel' : 'leave'));
  });
}
