// The recorded histories under test/histories/ (written by record-histories.ts), read for replay.
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HistoryAndWorkflowId } from '@temporalio/client';
import type { ManifestEntry } from './record-histories.js';

const HISTORIES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'histories');

// historyFromJSON from @temporalio/common (which the replayer calls on JSON histories) throws
// "type must be a Type" in this install: common and proto each carry their own protobufjs 8 copy,
// and the JSON codec rejects the other copy's types. The codec from proto's own copy parses the
// same files into proto messages the replayer takes as they are.
const fromCommon = createRequire(createRequire(import.meta.url).resolve('@temporalio/common'));
const fromProto = createRequire(fromCommon.resolve('@temporalio/proto'));
const { fromJson } = fromProto('protobufjs/ext/protojson') as { fromJson(type: unknown, json: unknown, options: object): unknown };
const { patchProtobufRoot } = fromCommon('@temporalio/proto/lib/patch-protobuf-root') as { patchProtobufRoot(root: unknown): { lookupType(name: string): unknown } };
const HISTORY_TYPE = patchProtobufRoot(fromCommon('@temporalio/proto')).lookupType('temporal.api.history.v1.History');

/** manifest.json: each recorded file with its workflow id. */
export function historyManifest(): ManifestEntry[] {
  return JSON.parse(readFileSync(path.join(HISTORIES, 'manifest.json'), 'utf8')) as ManifestEntry[];
}

/** The history files present, sorted (manifest.json aside). */
export function historyFileNames(): string[] {
  return readdirSync(HISTORIES).filter((f) => f.endsWith('.json') && f !== 'manifest.json').sort();
}

/** One recorded history, as the replayer takes it. */
export function readHistory(file: string): HistoryAndWorkflowId['history'] {
  return fromJson(HISTORY_TYPE, JSON.parse(readFileSync(path.join(HISTORIES, file), 'utf8')), { ignoreUnknownFields: true }) as HistoryAndWorkflowId['history'];
}
