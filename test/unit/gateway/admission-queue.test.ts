// Group admission: the first call goes at once, calls arriving meanwhile wait and go together,
// in arrival order, each getting its own verdict; a failed batch fails each of its calls.
import { describe, expect, it } from 'vitest';
import type { CallGuardAdmission, CallGuardVerdict } from '../../../store/index.js';
import { AdmissionQueue } from '../../../mcp-gateway/guard/admission-queue.js';

const call = (n: number): CallGuardAdmission => ({
  principalDigest: 'p', callDigest: `c${n}`, now: n, budget: 10, budgetExpiresAt: n + 1, maxIdenticalCalls: 2, loopExpiresAt: n + 1,
});

/** A batch admitter that records its batches and answers when told to. */
function recordingBatches() {
  const batches: { calls: number[]; answer(fail?: Error): void }[] = [];
  const admit = (batch: readonly CallGuardAdmission[]) => new Promise<CallGuardVerdict[]>((resolve, reject) => {
    batches.push({
      calls: batch.map((a) => a.now),
      answer: (fail) => (fail ? reject(fail) : resolve(batch.map((a) => ({ verdict: 'admitted', calls: a.now })))),
    });
  });
  return { batches, admit };
}

const settle = () => new Promise((r) => setImmediate(r));

describe('AdmissionQueue', () => {
  it('sends the first call alone and groups the calls that arrive while it is in flight, in order', async () => {
    const { batches, admit } = recordingBatches();
    const queue = new AdmissionQueue(admit, 3);
    const verdicts = [1, 2, 3, 4, 5, 6].map((n) => queue.admit(call(n)));
    await settle();
    expect(batches.map((b) => b.calls)).toEqual([[1]]);
    batches[0]!.answer();
    await settle();
    expect(batches.map((b) => b.calls)).toEqual([[1], [2, 3, 4]]); // at most 3 per batch
    batches[1]!.answer();
    await settle();
    batches[2]!.answer();
    expect((await Promise.all(verdicts)).map((v) => v.calls)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(batches.map((b) => b.calls)).toEqual([[1], [2, 3, 4], [5, 6]]);

    const later = queue.admit(call(7)); // idle again: sent at once
    await settle();
    expect(batches.at(-1)!.calls).toEqual([7]);
    batches.at(-1)!.answer();
    expect(await later).toEqual({ verdict: 'admitted', calls: 7 });
  });

  it('fails every call of a failed batch, and goes on with the next one', async () => {
    const { batches, admit } = recordingBatches();
    const queue = new AdmissionQueue(admit);
    const first = queue.admit(call(1));
    await settle();
    const [second, third] = [queue.admit(call(2)), queue.admit(call(3))];
    batches[0]!.answer();
    await settle();
    batches[1]!.answer(new Error('connection reset'));
    await expect(first).resolves.toEqual({ verdict: 'admitted', calls: 1 });
    await expect(second).rejects.toThrow('connection reset');
    await expect(third).rejects.toThrow('connection reset');
    const fourth = queue.admit(call(4));
    await settle();
    batches[2]!.answer();
    await expect(fourth).resolves.toEqual({ verdict: 'admitted', calls: 4 });
  });
});
