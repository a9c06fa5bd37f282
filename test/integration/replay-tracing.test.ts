// Turning tracing on must not break scans already running: every recorded history (see
// replay.test.ts) replays against a bundle that includes the OpenTelemetry workflow interceptors and
// our correlation-id module, with the span sink installed, as a worker with tracing.enabled runs.
import { readdirSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import type { HistoryAndWorkflowId } from '@temporalio/client';
import { DefaultLogger, Runtime, Worker, type ReplayResult } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTracing, tracingSinks, tracingWorkflowModules, type Tracing } from '../../worker/tracing.js';
import { buildWorkflowBundle } from '../../worker/workflow-bundle.js';
import type { ManifestEntry } from '../support/record-histories.js';

const HISTORIES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'histories');

// The JSON codec of proto's own protobufjs copy, as replay.test.ts explains.
const fromCommon = createRequire(createRequire(import.meta.url).resolve('@temporalio/common'));
const fromProto = createRequire(fromCommon.resolve('@temporalio/proto'));
const { fromJson } = fromProto('protobufjs/ext/protojson') as { fromJson(type: unknown, json: unknown, options: object): unknown };
const { patchProtobufRoot } = fromCommon('@temporalio/proto/lib/patch-protobuf-root') as { patchProtobufRoot(root: unknown): { lookupType(name: string): unknown } };
const HISTORY_TYPE = patchProtobufRoot(fromCommon('@temporalio/proto')).lookupType('temporal.api.history.v1.History');

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
    const manifest = JSON.parse(readFileSync(path.join(HISTORIES, 'manifest.json'), 'utf8')) as ManifestEntry[];
    expect(manifest.map((e) => e.file).sort()).toEqual(readdirSync(HISTORIES).filter((f) => f.endsWith('.json') && f !== 'manifest.json').sort());
    expect(manifest.length).toBeGreaterThanOrEqual(20);
    const histories = manifest.map((entry) => ({
      workflowId: entry.workflowId,
      history: fromJson(HISTORY_TYPE, JSON.parse(readFileSync(path.join(HISTORIES, entry.file), 'utf8')), { ignoreUnknownFields: true }) as HistoryAndWorkflowId['history'],
    }));
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
