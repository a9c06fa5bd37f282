// `scan`: starts the compliance scan of a scope through the one scan client the gateway uses (or
// joins the run already going for it), follows it with a progress bar on stderr and prints the
// summary table (or --json) on stdout, with exit codes a CI pipeline can act on. The scan runs in
// Temporal: Ctrl-C stops following, and in a terminal asks whether to cancel the scan too.
import { WorkflowFailedError, type Client } from '@temporalio/client';
import type { Config } from '../config/index.js';
import type { Logger } from '../config/logger.js';
import { awsClientsFrom } from '../cloud/aws/clients.js';
import { cancelComplianceScan, scanHandle, scanProgress, startComplianceScan, type ComplianceScanResult } from '../client/scans.js';
import type { ScanProgress } from '../core/scan.js';
import type { ScanScope } from '../core/scope.js';
import { assertScopeAllowed } from '../mcp-gateway/allowed-accounts.js';
import { ToolError } from '../mcp-gateway/errors.js';
import { scopeOf, type ScopeArgs } from '../mcp-gateway/scans/params.js';
import { QUERY_DEADLINE_MS, bounded } from '../mcp-gateway/scans/temporal-reach.js';
import { SCOPE_LIMITS, ScopeRefusal, UsageError, cappedList, failUnderFlag, numberFlag, oneOf, parseCommandArgs } from './args.js';
import { EXIT, hasThresholds, verdictFor, type Thresholds } from './exit-codes.js';
import { InterruptWatch, askCancelOrLeave } from './interrupt.js';
import { createProgressReporter, progressModeFor, type ProgressMode, type ProgressReporter } from './progress-reporter.js';
import { runningTable, scoreOf, summaryTable } from './summary-table.js';
import { findRunningLocalStack } from './local-stack.js';
import { openStore } from './runtime.js';
import { startScanThroughStack } from './stack-gateway.js';
import { withTemporalClient } from './temporal-client.js';

export const SCAN_USAGE = `usage: finops-tag-compliance scan --types T,... [options]
  --types T,...            resource types as service:kind (ec2:instance, s3:bucket), ec2:* or all
                           (--resource-types is the original spelling: it prints JSON and returns at once
                           unless --wait says otherwise, as the command always did)
  --cloud aws|azure|gcp|all   default aws; all = aws, azure and gcp
  --accounts A,...         AWS account ids (each within the allowed set)
  --regions R,...          AWS regions
  --subscriptions S,...    Azure subscription ids (with --cloud azure or all)
  --gcp-scopes P,...       projects/P, folders/N or organizations/N (with --cloud gcp or all)
  --wait SECONDS           follow the scan at most this long, then leave it running (0: start and return)
  --fail-under PERCENT     exit 3 when the score is below it (0..100, e.g. 80 or 92.5)
  --fail-on-partial        exit 4 when the scan could not read everything
  --top N                  accounts in the table (default 10)
  --json                   print the result as JSON instead of the table
  --no-progress            plain progress lines instead of the redrawn bar (also when CI=true or not a terminal)
  --progress-interval S    seconds between plain progress lines (default 10)`;

export interface ScanArgs {
  scope: ScopeArgs;
  /** Undefined: follow until the scan ends. */
  waitSeconds?: number;
  json: boolean;
  noProgress: boolean;
  progressIntervalSeconds: number;
  thresholds: Thresholds;
  topAccounts: number;
  help?: boolean;
}

const list = { type: 'string', multiple: true } as const;
const SCAN_OPTIONS = {
  types: list, 'resource-types': list, cloud: { type: 'string' }, accounts: list, regions: list, subscriptions: list, 'gcp-scopes': list,
  wait: { type: 'string' }, 'fail-under': { type: 'string' }, 'fail-on-partial': { type: 'boolean' }, top: { type: 'string' },
  json: { type: 'boolean' }, 'no-progress': { type: 'boolean' }, 'progress-interval': { type: 'string' }, help: { type: 'boolean', short: 'h' },
} as const;

export function parseScanArgs(argv: string[]): ScanArgs {
  const { values: v } = parseCommandArgs('scan', argv, SCAN_OPTIONS);
  const base = {
    json: false, noProgress: false, progressIntervalSeconds: 10, thresholds: { failOnPartial: false }, topAccounts: 10,
  };
  if (v.help) return { ...base, scope: { resource_types: [] }, help: true };
  // The original form (`--resource-types`, no --types) keeps its contract for scripts: JSON on
  // stdout, and no waiting unless --wait asks for it.
  const legacy = v['resource-types'] !== undefined && v.types === undefined;
  const types = cappedList('scan', 'types', [...(Array.isArray(v.types) ? v.types : []), ...(Array.isArray(v['resource-types']) ? v['resource-types'] : [])], 200);
  if (!types?.length) throw new UsageError('scan needs --types, e.g. --types ec2:instance,s3:bucket (or all)');
  const cloud = oneOf('scan', 'cloud', v.cloud, ['aws', 'azure', 'gcp', 'all'] as const) ?? 'aws';
  const accounts = cappedList('scan', 'accounts', v.accounts, SCOPE_LIMITS.accounts);
  const regions = cappedList('scan', 'regions', v.regions, SCOPE_LIMITS.regions);
  const subscriptions = cappedList('scan', 'subscriptions', v.subscriptions, SCOPE_LIMITS.accounts);
  const gcpScopes = cappedList('scan', 'gcp-scopes', v['gcp-scopes'], SCOPE_LIMITS.accounts);
  const wait = numberFlag('scan', 'wait', v.wait, { max: 7 * 24 * 3600 });
  const failUnder = failUnderFlag('scan', v['fail-under']);
  return {
    scope: {
      resource_types: types, cloud_provider: cloud,
      ...(accounts ? { accounts } : {}), ...(regions ? { regions } : {}),
      ...(subscriptions ? { subscriptions } : {}), ...(gcpScopes ? { gcp_scopes: gcpScopes } : {}),
    },
    ...(wait !== undefined ? { waitSeconds: wait } : legacy ? { waitSeconds: 0 } : {}),
    json: Boolean(v.json) || legacy,
    noProgress: Boolean(v['no-progress']),
    progressIntervalSeconds: numberFlag('scan', 'progress-interval', v['progress-interval'], { min: 0.2, max: 3600 }) ?? 10,
    thresholds: { ...(failUnder !== undefined ? { failUnder } : {}), failOnPartial: Boolean(v['fail-on-partial']) },
    topAccounts: numberFlag('scan', 'top', v.top, { min: 1, max: 1000, integer: true }) ?? 10,
  };
}

/** The scope, validated as the tools validate it; a refusal is a usage error (exit 2). */
function scopeFor(args: ScanArgs): ScanScope {
  try {
    return scopeOf(args.scope);
  } catch (err) {
    if (err instanceof ToolError) throw new ScopeRefusal(`scan: ${err.message}`);
    throw err;
  }
}

/**
 * The checks the gateway applies before any workflow starts (caps, known regions and types under
 * the active policy, accounts within the allowed set), with the same code: it reads the store.
 */
async function assertAllowed(config: Config, logger: Logger, scope: ScanScope): Promise<void> {
  const store = await openStore(config, logger);
  const aws = scope.accounts?.length && !config.clouds.aws.accounts?.length ? awsClientsFrom(config) : undefined;
  try {
    await assertScopeAllowed({ config, store: store.store, ...(aws ? { aws } : {}) }, scope);
  } catch (err) {
    if (err instanceof ToolError) throw new ScopeRefusal(`scan: ${err.message}`);
    throw err;
  } finally {
    aws?.destroy();
    await store.close();
  }
}

export async function runScan(config: Config, logger: Logger, args: ScanArgs): Promise<void> {
  if (args.help) {
    process.stdout.write(`${SCAN_USAGE}\n`);
    return;
  }
  const scope = scopeFor(args);
  // `npm start` on the embedded store holds it: its gateway checks and starts the scan instead.
  const stack = config.database.url ? undefined : await findRunningLocalStack(config);
  if (!stack) await assertAllowed(config, logger, scope);
  await withTemporalClient(config, async (client) => {
    const workflowId = stack ? await startScanThroughStack(stack, args.scope) : (await startComplianceScan(client, config, { scope })).workflowId;
    process.stderr.write(`scan ${workflowId} started or joined\n`);
    const mode = progressModeFor({
      noProgress: args.noProgress, env: process.env, stdoutTty: !!process.stdout.isTTY, stderrTty: !!process.stderr.isTTY,
    });
    const outcome = args.waitSeconds === 0 ? { kind: 'running' as const, interrupted: false }
      : await follow(client, workflowId, args, mode);
    process.exitCode = report(config, workflowId, args, outcome);
  });
}

type FollowOutcome =
  | { kind: 'finished'; result: ComplianceScanResult; interrupted: boolean }
  | { kind: 'running'; progress?: ScanProgress; interrupted: boolean };

const POLL_MS = 500;

/** Polls progress until the scan ends, the wait ends or the user stops following. */
async function follow(client: Client, workflowId: string, args: ScanArgs, mode: ProgressMode): Promise<FollowOutcome> {
  const reporter = createProgressReporter({ mode, stream: process.stderr, intervalSeconds: args.progressIntervalSeconds });
  const abort = new AbortController();
  const interrupts = new InterruptWatch();
  let settled: { result: ComplianceScanResult } | { error: unknown } | undefined;
  const done = client.withAbortSignal(abort.signal, () => scanHandle(client, workflowId).result())
    .then((result) => { settled = { result }; }, (error: unknown) => { settled = { error }; });
  const deadline = args.waitSeconds === undefined ? Infinity : Date.now() + args.waitSeconds * 1000;
  const interactive = !!process.stdin.isTTY && !!process.stderr.isTTY;
  let latest: ScanProgress | undefined;
  let handled = 0;
  let cancelling = false;
  try {
    for (;;) {
      if (!settled) {
        // A worker must answer the query: bounded, so a busy or absent one only skips a beat.
        const p = await bounded(client, QUERY_DEADLINE_MS, () => scanProgress(client, workflowId)).catch(() => undefined);
        if (p) reporter.update(latest = p);
      }
      if (settled) break;
      if (interrupts.count > handled) {
        handled = interrupts.count;
        const choice = cancelling || !interactive ? 'leave-now' : await ask(reporter);
        if (choice === 'cancel') {
          await cancelComplianceScan(client, workflowId, 'cancelled from the command line');
          cancelling = true;
          handled = interrupts.count;
          reporter.note(`cancel requested: no new shards start and scan ${workflowId} closes with what it read (Ctrl-C again to stop waiting)`);
          reporter.resume();
        } else {
          reporter.finish(latest);
          process.stderr.write(cancelling
            ? `stopped waiting; scan ${workflowId} was asked to cancel and closes on its own in Temporal\n`
            : `scan ${workflowId} left running in Temporal${interactive ? '' : ' (not a terminal, so not asked)'}; ` +
              `follow it with: finops-tag-compliance status ${workflowId}\n`);
          return { kind: 'running', ...(latest ? { progress: latest } : {}), interrupted: true };
        }
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        reporter.finish(latest);
        return { kind: 'running', ...(latest ? { progress: latest } : {}), interrupted: false };
      }
      await Promise.race([done, interrupts.next(), new Promise((r) => setTimeout(r, Math.min(POLL_MS, remaining)))]);
    }
  } finally {
    interrupts.dispose();
    abort.abort(); // the long poll for the result must not outlive the command
  }
  const end = settled!;
  if ('error' in end) {
    reporter.finish(latest);
    const err = end.error;
    if (err instanceof WorkflowFailedError) throw new Error(`scan ${workflowId} failed: ${err.cause?.message ?? err.message}`);
    throw err;
  }
  reporter.finish(end.result.progress);
  return { kind: 'finished', result: end.result, interrupted: cancelling };
}

async function ask(reporter: ProgressReporter) {
  reporter.pause();
  return askCancelOrLeave(process.stdin, process.stderr);
}

/** Prints the table or JSON on stdout and returns the exit code. */
function report(config: Config, workflowId: string, args: ScanArgs, outcome: FollowOutcome): number {
  if (outcome.kind === 'running') {
    if (args.json) process.stdout.write(`${JSON.stringify({ scan_id: workflowId, status: 'running', progress: outcome.progress ?? null }, null, 2)}\n`);
    else process.stdout.write(runningTable(config, workflowId, outcome.progress));
    if (outcome.interrupted) return EXIT.interrupted;
    if (hasThresholds(args.thresholds)) {
      process.stderr.write(`scan ${workflowId} is still running: no verdict for --fail-under / --fail-on-partial yet\n`);
      return EXIT.notFinished;
    }
    return EXIT.ok;
  }
  const { result } = outcome;
  const score = scoreOf(result.totals);
  const partial = result.status === 'cancelled' || result.dataQuality.status === 'partial';
  const verdict = verdictFor({ score, partial }, args.thresholds);
  if (args.json) {
    process.stdout.write(`${JSON.stringify({ scan_id: workflowId, status: result.status, score, result }, null, 2)}\n`);
  } else {
    process.stdout.write(summaryTable(config, workflowId, result, { topAccounts: args.topAccounts }));
  }
  if (outcome.interrupted) return EXIT.interrupted;
  if (verdict.reason) process.stderr.write(`finops-tag-compliance: ${verdict.reason} (exit ${verdict.code})\n`);
  return verdict.code;
}
