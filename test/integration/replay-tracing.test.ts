// Turning tracing on must not break scans already running: every recorded history (see
// replay.test.ts) replays against a bundle that includes the OpenTelemetry workflow interceptors and
// our correlation-id module, with the span sink installed, as a worker with tracing.enabled runs.
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { DefaultLogger, Runtime, Worker, type ReplayResult } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTracing, tracingSinks, tracingWorkflowModules, type Tracing } from '../../worker/tracing.js';
import { buildWorkflowBundle } from '../../worker/workflow-bundle.js';
import { historyFileNames, historyManifest, readHistory } from '../support/history-files.js';

describe('replaying recorded histories with tracing on', () => {
  let bundlePath: string;
  let tracing: Tracing;

  beforeAll(async () => {
    Runtime.install({ logger: new DefaultLogger('WARN') });
    tracing = startTracing({ serviceName: 'replay-tracing-test', exporter: new InMemorySpanExporter() });
    bundlePath = await buildWorkflowBundle(tracingWorkflowModules());
  });

  afterAll(async () => {
    await tracing?.shutdown();
    if (bundlePath) await rm(path.dirname(bundlePath), { recursive: true, force: true });
  });

  it('replays every recorded history without nondeterminism', async () => {
    const manifest = historyManifest();
    expect(manifest.map((e) => e.file).sort()).toEqual(historyFileNames());
    expect(manifest.length).toBeGreaterThanOrEqual(20);
    const histories = manifest.map((entry) => ({ workflowId: entry.workflowId, history: readHistory(entry.file) }));
    const results: ReplayResult[] = [];
    for await (const result of Worker.runReplayHistories(
      { workflowBundle: { codePath: bundlePath }, replayName: 'replay-tracing-test', sinks: tracingSinks(tracing) }, histories)) {
      results.push(result);
    }
    expect(results).toHaveLength(histories.length);
    const failures = results.flatMap((r, i) => (r.error ? [`${manifest[i]!.file}: ${r.error.name}: ${r.error.message}`] : []));
    expect(failures).toEqual([]);
  });
});
