// Records real workflow histories for the replay test (test/integration/replay.test.ts): small
// complianceScan, target (account) scan and evaluateInventory runs on the test stack (Temporal dev
// server, a fresh PostgreSQL database, moto behind the fault proxy, the worker as its own
// process), each saved as history JSON under test/histories/ with its workflow id in manifest.json.
//
// Histories are kept per era: the files without a prefix were recorded before the cloud seam
// (accountScan children, AWS-only activities), those prefixed `seam-` after it. Recording an era
// replaces only that era's files, so older eras stay under test for as long as runs of them may
// be open. Record only from code that is deployed (or about to be):
//   npx tsx test/support/record-histories.ts --era seam [outDir]
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { approveSignal, cancelSignal, evaluateInventory, rejectSignal } from '../../workflows/contract.js';
import { accountWorkflowId } from '../../core/account-workflow-id.js';
import { scanProgress, startComplianceScan, type StartScanOptions } from '../../client/scans.js';
import { REPO_ROOT } from '../../worker/temporal-cli.js';
import type { ComplianceScanResult } from '../../workflows/types.js';
import { anAwsResource, writeInventory } from './inventory.js';
import { DEFAULT_ACCOUNTS } from './aws-seed.js';
import { startMotoStack } from './moto-stack.js';

// historyToJSON from @temporalio/common throws "type must be a Type" in this install: common and
// proto each carry their own protobufjs 8 copy (the top level holds grpc's protobufjs 7), and the
// JSON codec rejects the other copy's types. The codec from proto's own copy is the same function.
const fromCommon = createRequire(createRequire(import.meta.url).resolve('@temporalio/common'));
const fromProto = createRequire(fromCommon.resolve('@temporalio/proto'));
const { toJson } = fromProto('protobufjs/ext/protojson') as { toJson(type: unknown, message: unknown): unknown };
const { patchProtobufRoot } = fromCommon('@temporalio/proto/lib/patch-protobuf-root') as { patchProtobufRoot(root: unknown): { lookupType(name: string): unknown } };
const HISTORY_TYPE = patchProtobufRoot(fromCommon('@temporalio/proto')).lookupType('temporal.api.history.v1.History');
const historyToJSON = (history: unknown) => JSON.stringify(toJson(HISTORY_TYPE, history), null, 2);

const eraFlag = process.argv.indexOf('--era');
const ERA = eraFlag >= 0 ? process.argv[eraFlag + 1] ?? '' : '';
if (eraFlag >= 0 && !/^[a-z0-9]+$/.test(ERA)) throw new Error('--era takes a short lowercase name, e.g. seam');
const OUT_ARG = process.argv.slice(2).filter((_, i, all) => all[i] !== '--era' && all[i - 1] !== '--era')[0];
const OUT_DIR = path.resolve(OUT_ARG ?? path.join(REPO_ROOT, 'test', 'histories'));
/** The era a history file belongs to: its prefix before the workflow type, or '' for the first one. */
const eraOf = (file: string) => /^([a-z0-9]+)-(complianceScan|accountScan|targetScan|evaluateInventory)-/.exec(file)?.[1] ?? '';
const DENIED_ACCOUNT = '222222222222';
/** Few types keep the histories small: 2 regions x 2 regional types + S3 = 5 shards per account. */
const TYPES = ['ec2:instance', 'dynamodb:table', 's3:bucket'];

export interface ManifestEntry {
  file: string;
  workflowType: 'complianceScan' | 'accountScan' | 'targetScan' | 'evaluateInventory';
  workflowId: string;
  runId: string;
  /** How the run closed: the last event's type. */
  closedWith: string;
}

async function waitUntil(ready: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !(await ready());) {
    if (Date.now() > deadline) throw new Error(what);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function main(): Promise<void> {
  mkdirSync(OUT_DIR, { recursive: true });
  const manifestPath = path.join(OUT_DIR, 'manifest.json');
  const earlier = existsSync(manifestPath) ? JSON.parse(readFileSync(manifestPath, 'utf8')) as ManifestEntry[] : [];
  const manifest: ManifestEntry[] = earlier.filter((entry) => eraOf(entry.file) !== ERA);
  for (const file of readdirSync(OUT_DIR)) if (file.endsWith('.json') && file !== 'manifest.json' && eraOf(file) === ERA) rmSync(path.join(OUT_DIR, file));
  /** The children complianceScan starts in the code being recorded. */
  const CHILD_TYPE: ManifestEntry['workflowType'] = 'targetScan';

  // The denied account is in the allowed set: its AssumeRole, not the allowed-set check, must fail.
  const stack = await startMotoStack({ name: 'record', workerEnv: { AWS_SDK_MAX_ATTEMPTS: '1', SCAN_ACCOUNTS: [...DEFAULT_ACCOUNTS, DENIED_ACCOUNT].join(',') } });
  const { proxy, org, config } = stack;
  const client = new Client({ connection: await Connection.connect({ address: stack.temporalServer.address }) });

  async function save(workflowType: ManifestEntry['workflowType'], name: string, workflowId: string, runId?: string): Promise<string | undefined> {
    const handle = client.workflow.getHandle(workflowId, runId);
    const history = await handle.fetchHistory();
    const last = history.events?.at(-1);
    const closedWith = Object.keys(last ?? {}).find((k) => k.endsWith('EventAttributes')) ?? 'unknown';
    const file = `${ERA ? `${ERA}-` : ''}${workflowType}-${name}.json`;
    const startedRunId = runId ?? (await handle.describe()).runId;
    writeFileSync(path.join(OUT_DIR, file), historyToJSON(history));
    manifest.push({ file, workflowType, workflowId, runId: startedRunId, closedWith: closedWith.replace(/EventAttributes$/, '') });
    console.log(`${file}: ${history.events?.length} events, closed with ${closedWith}`);
    const next = last?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
    return next ?? undefined;
  }

  /** Child workflow ids in the order the parent started them. */
  async function childrenOf(workflowId: string): Promise<string[]> {
    const history = await client.workflow.getHandle(workflowId).fetchHistory();
    return (history.events ?? []).flatMap((e) => e.startChildWorkflowExecutionInitiatedEventAttributes?.workflowId ?? []);
  }

  let bucket = 0;
  const start = (opts: Omit<StartScanOptions, 'now'>) =>
    startComplianceScan(client, config, { ...opts, now: new Date(Date.UTC(2026, 0, ERA ? 2 : 1) + ++bucket * 3_600_000) }); // an era's own ids
  const scope = (accounts = org.accounts) => ({ accounts, regions: org.regions, resource_types: TYPES });

  try {
    // 1. Completed: 2 accounts x 2 regions, and both account children.
    {
      const { handle, workflowId } = await start({ scope: scope() });
      const result = await handle.result() as ComplianceScanResult;
      await save('complianceScan', 'completed', workflowId);
      await save(CHILD_TYPE, 'completed', accountWorkflowId(result.scanId, org.accounts[0]!));
    }

    // 2. A failed shard (EC2 denied in one region) and an account whose AssumeRole is denied.
    {
      proxy.setRules([
        { name: 'assume-denied', service: 'sts', body: `RoleArn=arn%3Aaws%3Aiam%3A%3A${DENIED_ACCOUNT}`, fault: { kind: 'deny' } },
        { name: 'ec2-denied', service: 'ec2', region: 'eu-west-1', fault: { kind: 'deny' } },
      ]);
      const { handle, workflowId } = await start({ scope: scope([...org.accounts, DENIED_ACCOUNT]) });
      const result = await handle.result() as ComplianceScanResult;
      proxy.setRules([]);
      if (result.dataQuality.status !== 'partial') throw new Error('expected a partial scan');
      await save('complianceScan', 'failed-shard', workflowId);
      await save(CHILD_TYPE, 'failed-shard', accountWorkflowId(result.scanId, org.accounts[0]!));
      await save(CHILD_TYPE, 'assume-role-denied', accountWorkflowId(result.scanId, DENIED_ACCOUNT));
    }

    // 3. Continue-as-new: one account per run, two accounts, every run saved.
    {
      const { handle, workflowId } = await start({ scope: scope(), overrides: { accountsPerRun: 1 } });
      await handle.result();
      let runId: string | undefined = handle.firstExecutionRunId;
      for (let run = 1; runId; run++) runId = await save('complianceScan', `continued-as-new-run${run}`, workflowId, runId);
    }

    // 4. Cancelled by the `cancel` signal mid-scan, with its running child. One shard at a time:
    // the worker owns that setting, so a worker configured for it takes over.
    stack.env.MAX_CONCURRENT_SHARDS = '1';
    await stack.worker.kill();
    stack.respawnWorker();
    for (const how of ['signal', 'temporal'] as const) {
      proxy.setRules([{ name: 'slow', fault: { kind: 'delay', ms: 300 } }]);
      const { handle, workflowId } = await start({ scope: scope(), overrides: { maxParallelAccounts: 1 } });
      await waitUntil(async () => {
        const progress = await scanProgress(client, workflowId).catch(() => undefined);
        return !!progress && progress.shardsDone > 0;
      }, 60_000, `scan ${workflowId} never finished a shard`);
      if (how === 'signal') await handle.signal(cancelSignal, 'recording');
      else await handle.cancel();
      const outcome = await handle.result().catch((err: unknown) => err);
      proxy.setRules([]);
      if (how === 'signal' && (outcome as ComplianceScanResult).status !== 'cancelled') throw new Error('signal did not cancel the scan');
      if (how === 'temporal' && !(outcome instanceof WorkflowFailedError)) throw new Error('Temporal cancel did not cancel the scan');
      await save('complianceScan', `cancelled-by-${how}`, workflowId);
      const [child] = await childrenOf(workflowId);
      if (how === 'signal' && child) await save(CHILD_TYPE, 'cancelled', child);
    }

    // 6. The approval gate (from the `gate` era on): a plan over a threshold of one waits, then is
    // approved by signal, rejected, or left to expire.
    {
      const gated = (timeoutSeconds: number) => ({ ...config, approval: { ...config.approval, maxTargetRegionTypes: 1, timeoutSeconds } });
      for (const how of ['approved', 'rejected', 'expired'] as const) {
        const { handle, workflowId } = await startComplianceScan(client, gated(how === 'expired' ? 2 : 600), {
          scope: scope(), now: new Date(Date.UTC(2026, 0, ERA ? 2 : 1) + ++bucket * 3_600_000),
        });
        if (how !== 'expired') {
          await waitUntil(async () => (await scanProgress(client, workflowId).catch(() => undefined))?.phase === 'awaiting_approval',
            60_000, `scan ${workflowId} never waited for approval`);
          if (how === 'approved') await handle.signal(approveSignal, { approver: 'recorder', note: 'recording' });
          else await handle.signal(rejectSignal, { approver: 'recorder', reason: 'recording' });
        }
        const result = await handle.result() as ComplianceScanResult;
        if ((result.status === 'completed') !== (how === 'approved')) throw new Error(`gate ${how}: scan ended ${result.status}`);
        await save('complianceScan', `approval-${how}`, workflowId);
      }
    }

    // 5. evaluateInventory: a small file, and a file that does not exist.
    {
      const inventoryPath = writeInventory([
        anAwsResource({ tags: { Owner: 'team-a', Environment: 'prod' } }),
        anAwsResource({ type: 's3:bucket' }),
      ]);
      const ok = await client.workflow.start(evaluateInventory, {
        taskQueue: config.temporal.taskQueue, workflowId: `inventory-replay-completed${ERA ? `-${ERA}` : ''}`, args: [{ inventoryPath }],
      });
      await ok.result();
      await save('evaluateInventory', 'completed', ok.workflowId);
      const missing = await client.workflow.start(evaluateInventory, {
        taskQueue: config.temporal.taskQueue, workflowId: `inventory-replay-missing-file${ERA ? `-${ERA}` : ''}`, args: [{ inventoryPath: '/nonexistent/inventory.json' }],
      });
      if (!(await missing.result().catch((err: unknown) => err) instanceof WorkflowFailedError)) throw new Error('expected a failed run');
      await save('evaluateInventory', 'missing-file', missing.workflowId);
    }
  } catch (err) {
    console.error(stack.worker.output());
    throw err;
  } finally {
    await client.connection.close();
    await stack.stop();
  }

  manifest.sort((a, b) => a.file.localeCompare(b.file));
  writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
  const bytes = readdirSync(OUT_DIR).reduce((sum, f) => sum + statSync(path.join(OUT_DIR, f)).size, 0);
  console.log(`${manifest.length} histories in ${OUT_DIR}, ${(bytes / 1024).toFixed(1)} KiB in all`);
}

await main();
