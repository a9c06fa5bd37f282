// Scan workflow ids that read well in the Temporal UI and make identical requests collide on
// purpose: scan-<trigger>-<scope hash>-<time bucket>.
import { createHash } from 'node:crypto';
import type { ScanTrigger } from './scan.js';
import { canonicalScope, type ScanScope } from './scope.js';

export function scopeHash(scope: ScanScope): string {
  return createHash('sha256').update(canonicalScope(scope)).digest('hex').slice(0, 12);
}

/** UTC time floored to the bucket, as 20261125T0215Z. */
export function timeBucket(now: Date, bucketSeconds: number): string {
  const floored = new Date(Math.floor(now.getTime() / (bucketSeconds * 1000)) * bucketSeconds * 1000);
  return floored.toISOString().replace(/[-:]/g, '').slice(0, 13) + 'Z';
}

export function scanWorkflowId(trigger: ScanTrigger, scope: ScanScope, now: Date, bucketSeconds = 900): string {
  return `scan-${trigger}-${scopeHash(scope)}-${timeBucket(now, bucketSeconds)}`;
}
