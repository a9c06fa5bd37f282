// Counts the cloud API requests made on behalf of one unit of work (a shard, a planning step),
// per API. The SDK clients report every request they send (retries included) to the counter of
// the async context they were called from, so concurrent shards on one worker count apart.
import { AsyncLocalStorage } from 'node:async_hooks';
import { addCalls, type CloudCalls } from '../core/cloud-calls.js';

export class CallCounter {
  private readonly calls: CloudCalls = {};

  /** `start`: what an earlier attempt of the same work had counted (from its heartbeat). */
  constructor(start?: CloudCalls) {
    addCalls(this.calls, start);
  }

  count(api: string): void {
    addCalls(this.calls, { [api]: 1 });
  }

  /** A copy, safe to put in a heartbeat or a result. */
  snapshot(): CloudCalls {
    return { ...this.calls };
  }
}

const current = new AsyncLocalStorage<CallCounter>();

/** Runs `work` with `counter` receiving every cloud request made inside it. */
export function countingCalls<T>(counter: CallCounter, work: () => Promise<T>): Promise<T> {
  return current.run(counter, work);
}

/** Called by the clients for each request sent; outside countingCalls it counts nothing. */
export function countCall(api: string): void {
  current.getStore()?.count(api);
}
