// Replay safety: scans already running when a new worker version deploys must not break. Every
// history recorded under test/histories/ (real runs of an earlier version, see
// test/support/record-histories.ts) is replayed against the current workflow code; a change in
// a workflow's command order without a patch fails here as a nondeterminism error. No server.
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { HistoryAndWorkflowId } from '@temporalio/client';
import { DefaultLogger, Runtime, Worker, type ReplayResult } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWorkflowBundle } from '../../worker/workflow-bundle.js';
import { historyFileNames, historyManifest, readHistory } from '../support/history-files.js';
import type { ManifestEntry } from '../support/record-histories.js';

function loadHistories(): { entry: ManifestEntry; history: HistoryAndWorkflowId['history'] }[] {
  const manifest = historyManifest();
  // Every file is listed (replay needs its workflow id) and every listed file exists.
  expect(manifest.map((e) => e.file).sort()).toEqual(historyFileNames());
  return manifest.map((entry) => ({ entry, history: readHistory(entry.file) }));
}

/** Printed when a history does not replay: the rule it broke and the way out (README "Changing workflow code"). */
const REPLAY_RULE = 'A recorded history no longer replays. The rule: every workflow change either replays all recorded '
  + 'histories unchanged or is behind patched(<new patch id>) (old branch kept for histories without the marker); '
  + 'never edit or delete a recorded history to make this pass. See README "Changing workflow code"';

describe('replaying recorded histories', () => {
  let bundlePath: string;

  beforeAll(async () => {
    Runtime.install({ logger: new DefaultLogger('WARN') });
    bundlePath = await buildWorkflowBundle();
  });

  afterAll(async () => {
    if (bundlePath) await rm(path.dirname(bundlePath), { recursive: true, force: true });
  });

  it('replays every recorded complianceScan, accountScan, targetScan and evaluateInventory history without nondeterminism', async () => {
    const histories = loadHistories();
    expect(histories.length).toBeGreaterThanOrEqual(20);
    expect(new Set(histories.map((h) => h.entry.workflowType))).toEqual(new Set(['complianceScan', 'accountScan', 'targetScan', 'evaluateInventory']));
    // Both eras stay under test: runs from before the cloud seam (no patch marker) and after it.
    const seamEra = histories.filter((h) => h.entry.file.startsWith('seam-'));
    expect(seamEra.length).toBeGreaterThanOrEqual(10);
    expect(histories.length - seamEra.length).toBeGreaterThanOrEqual(10);
    // And runs through the approval gate: approved, rejected and expired while waiting.
    expect(histories.filter((h) => h.entry.file.startsWith('gate-complianceScan-approval-')).map((h) => h.entry.file).sort())
      .toEqual(['gate-complianceScan-approval-approved.json', 'gate-complianceScan-approval-expired.json', 'gate-complianceScan-approval-rejected.json']);

    const results: ReplayResult[] = [];
    const replay = Worker.runReplayHistories(
      { workflowBundle: { codePath: bundlePath }, replayName: 'replay-test' },
      histories.map(({ entry, history }) => ({ workflowId: entry.workflowId, history })),
    );
    for await (const result of replay) results.push(result);

    // One result per history, in order; report every failure with the file it came from.
    expect(results).toHaveLength(histories.length);
    const failures = results.flatMap((result, i) => result.error
      ? [`${histories[i]!.entry.file}: ${result.error.name}: ${result.error.message}`] : []);
    expect(failures, REPLAY_RULE).toEqual([]);
  });
});
