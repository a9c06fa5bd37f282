// `status <scan id>`: how far a scan is, or its result once it has ended, read from Temporal (the
// progress query and the workflow's result), so it answers for scans started anywhere.
import { WorkflowNotFoundError } from '@temporalio/client';
import type { Config } from '../config/index.js';
import { isComplianceScan, scanHandle, scanProgress } from '../client/scans.js';
import { scanIdParam } from '../mcp-gateway/scans/params.js';
import { QUERY_DEADLINE_MS, RPC_DEADLINE_MS, bounded } from '../mcp-gateway/scans/temporal-reach.js';
import { UsageError, failUnderFlag, parseCommandArgs } from './args.js';
import { EXIT, hasThresholds, verdictFor, type Thresholds } from './exit-codes.js';
import { runningTable, scoreOf, summaryTable } from './summary-table.js';
import { withTemporalClient } from './temporal-client.js';

export const STATUS_USAGE = `usage: finops-tag-compliance status SCAN_ID [--json] [--fail-under PERCENT] [--fail-on-partial] [--top N]`;

export interface StatusArgs {
  scanId: string;
  json: boolean;
  thresholds: Thresholds;
  topAccounts: number;
  help?: boolean;
}

export function parseStatusArgs(argv: string[]): StatusArgs {
  const { values: v, positionals } = parseCommandArgs('status', argv, {
    json: { type: 'boolean' }, 'fail-under': { type: 'string' }, 'fail-on-partial': { type: 'boolean' }, top: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  }, 1);
  const failUnder = failUnderFlag('status', v['fail-under']);
  const base = { json: Boolean(v.json), thresholds: { ...(failUnder !== undefined ? { failUnder } : {}), failOnPartial: Boolean(v['fail-on-partial']) } };
  if (v.help) return { ...base, scanId: '', topAccounts: 10, help: true };
  const scanId = positionals[0];
  if (!scanId) throw new UsageError('status needs a scan id: finops-tag-compliance status scan-adhoc-…');
  if (!scanIdParam.safeParse(scanId).success) throw new UsageError(`status: "${scanId.slice(0, 80)}" is not a scan id (e.g. scan-adhoc-1a2b3c4d5e6f-20261125T0215Z)`);
  const top = v.top === undefined ? 10 : Number(v.top);
  if (!Number.isInteger(top) || top < 1 || top > 1000) throw new UsageError('status: --top must be a whole number 1..1000');
  return { ...base, scanId, topAccounts: top };
}

export async function runStatus(config: Config, args: StatusArgs): Promise<void> {
  if (args.help) {
    process.stdout.write(`${STATUS_USAGE}\n`);
    return;
  }
  const { scanId } = args;
  await withTemporalClient(config, async (client) => {
    const handle = scanHandle(client, scanId);
    const described = await bounded(client, RPC_DEADLINE_MS * 5, () => handle.describe()).catch((err: unknown) => {
      if (err instanceof WorkflowNotFoundError) throw new Error(`no scan with id ${scanId} in Temporal namespace ${config.temporal.namespace}`);
      throw err;
    });
    if (!isComplianceScan(described)) throw new Error(`${scanId} is not a compliance scan (it is a ${described.type})`);
    const status = described.status.name;
    if (status === 'RUNNING') {
      const progress = await bounded(client, QUERY_DEADLINE_MS, () => scanProgress(client, scanId)).catch(() => undefined);
      const elapsed = (Date.now() - described.startTime.getTime()) / 1000;
      process.stdout.write(args.json ? `${JSON.stringify({ scan_id: scanId, status: 'running', progress: progress ?? null }, null, 2)}\n`
        : runningTable(config, scanId, progress, elapsed));
      process.exitCode = hasThresholds(args.thresholds) ? EXIT.notFinished : EXIT.ok;
      return;
    }
    if (status !== 'COMPLETED') throw new Error(`scan ${scanId} ended ${status.toLowerCase()} without a result; see it in the Temporal Web UI`);
    const result = await handle.result();
    const score = scoreOf(result.totals);
    process.stdout.write(args.json ? `${JSON.stringify({ scan_id: scanId, status: result.status, score, result }, null, 2)}\n`
      : summaryTable(config, scanId, result, { topAccounts: args.topAccounts }));
    const verdict = verdictFor({ score, partial: result.status === 'cancelled' || result.dataQuality.status === 'partial' }, args.thresholds);
    if (verdict.reason) process.stderr.write(`finops-tag-compliance: ${verdict.reason} (exit ${verdict.code})\n`);
    process.exitCode = verdict.code;
  });
}
