// What the gateway adds to a scan's progress query: shards being retried, with their last error
// redacted, so "failures: 0" is not the whole story while throttling goes on.
import type { Client } from '@temporalio/client';
import { describeAccountScans } from '../../client/scans.js';
import type { ScanProgress } from '../../core/scan.js';
import { redactSecrets } from '../errors.js';

/** The progress query's answer plus what only the gateway sees: shards being retried. */
export type LiveProgress = ScanProgress & { retrying?: RetryingShard[] };

/** A shard activity being retried: what the progress view shows so failures: 0 is not the whole story. */
export interface RetryingShard {
  account: string;
  region: string | null;
  resourceType: string | null;
  attempt: number;
  lastError: string;
}

/** Shard failures start with `<account>/<region>/<type>: ` (cloud/aws/errors.ts). */
const WHERE = /^(\d{12})\/([a-z0-9-]+)\/(\S+?): (.*)$/s;

/** An activity error as the client may see it: no endpoint, no credentials, one short line. */
function shortError(message: string): string {
  const text = redactSecrets(message)
    .replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s'"]+/gi, '<endpoint>')
    .replace(/\b(?:\d{1,3}\.){3}\d{1,3}(?::\d+)?\b|\[[0-9a-f:]+\](?::\d+)?|\b[\w.-]+:\d{2,5}\b/gi, '<endpoint>')
    .replace(/\s+/g, ' ').trim();
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

/** The running accounts' shard activities past their first attempt, with their last error. */
export async function retryingShards(client: Client, scanId: string, accounts: string[]): Promise<RetryingShard[]> {
  const described = await describeAccountScans(client, scanId, accounts);
  const retrying: RetryingShard[] = [];
  for (const item of described) {
    for (const pending of item?.described.raw.pendingActivities ?? []) {
      if ((pending.attempt ?? 1) <= 1) continue;
      const message = pending.lastFailure?.message ?? 'no error recorded yet';
      const where = WHERE.exec(message);
      retrying.push({
        account: where?.[1] ?? item!.account, region: where?.[2] ?? null, resourceType: where?.[3] ?? null,
        attempt: pending.attempt ?? 0, lastError: shortError(where?.[4] ?? message),
      });
    }
  }
  return retrying;
}
