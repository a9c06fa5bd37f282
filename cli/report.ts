// `report`: the compliance report of the newest completed scan (or of --scan), rendered by the same
// code generate_compliance_report uses (scanReport, then renderReport), to stdout or --output.
import { writeFileSync } from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import type { Config } from '../config/index.js';
import type { Logger } from '../config/logger.js';
import { awsClientsFrom } from '../cloud/aws/clients.js';
import { renderReport, REPORT_FORMATS, type ReportFormat } from '../core/report/index.js';
import type { ScanScope } from '../core/scope.js';
import type { ScanRecord, Store } from '../store/index.js';
import { scanReport } from '../mcp-gateway/scans/scan-report.js';
import { UsageError, oneOf, parseCommandArgs } from './args.js';
import { findLocalStack } from './local-stack.js';
import { openStore } from './runtime.js';
import { temporalAddressFor } from './temporal-client.js';

export const REPORT_USAGE = `usage: finops-tag-compliance report [--scan SCAN_ID] [--format html|markdown|csv|json] [--output FILE] [--no-recommendations]
  the newest completed scan unless --scan names one; json by default; stdout unless --output`;

/** As the tool does: the ten largest findings. */
const TOP_VIOLATIONS = 10;
/** Scans searched for a workflow id (the store keys scans by workflow id plus run). */
const SCANS_SEARCHED = 500;

export interface ReportArgs {
  scanId?: string;
  format: ReportFormat;
  output?: string;
  includeRecommendations: boolean;
  help?: boolean;
}

export function parseReportArgs(argv: string[]): ReportArgs {
  const { values: v } = parseCommandArgs('report', argv, {
    scan: { type: 'string' }, format: { type: 'string', short: 'f' }, output: { type: 'string', short: 'o' },
    'no-recommendations': { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
  });
  const scanId = typeof v.scan === 'string' ? v.scan : undefined;
  if (scanId !== undefined && !/^[A-Za-z0-9._:-]{1,200}$/.test(scanId)) throw new UsageError(`report: --scan "${scanId.slice(0, 80)}" is not a scan id`);
  if (v.output === '') throw new UsageError('report: --output needs a file name');
  return {
    ...(scanId ? { scanId } : {}),
    format: oneOf('report', 'format', v.format, REPORT_FORMATS) ?? 'json',
    ...(typeof v.output === 'string' ? { output: v.output } : {}),
    includeRecommendations: !v['no-recommendations'],
    ...(v.help ? { help: true } : {}),
  };
}

/** The scan named (workflow id or store id), or the newest completed one. */
async function findScan(store: Store, scanId: string | undefined): Promise<ScanRecord> {
  if (!scanId) {
    const newest = (await store.listScans({ limit: 100 })).find((s) => s.status === 'completed');
    if (!newest) throw new Error('no completed scan is stored yet: run `finops-tag-compliance scan --types …` first');
    return newest;
  }
  const byId = await store.getScan(scanId);
  const scan = byId ?? (await store.listScans({ limit: SCANS_SEARCHED })).find((s) => s.workflowId === scanId && s.status === 'completed');
  if (!scan) throw new Error(`no completed scan ${scanId} is stored (it may still be running: finops-tag-compliance status ${scanId})`);
  if (scan.status !== 'completed') throw new Error(`scan ${scanId} is ${scan.status}, not completed: no report`);
  return scan;
}

/** A stored scope of clouds (not an inventory file's), which the cost model prices. */
function cloudScope(scan: ScanRecord): ScanScope | undefined {
  return 'resourceTypes' in scan.scope ? scan.scope : undefined;
}

export async function runReport(config: Config, logger: Logger, args: ReportArgs): Promise<void> {
  if (args.help) {
    process.stdout.write(`${REPORT_USAGE}\n`);
    return;
  }
  const holder = config.database.url ? undefined : findLocalStack(config);
  if (holder) {
    throw new Error(`report reads the store, and the embedded store in ${config.dataDir} is held by the running \`start\` (pid ${holder.pid}): ` +
      'run report while it is stopped, or run start with DATABASE_URL (PostgreSQL) so both can read it');
  }
  const store = await openStore(config, logger);
  const aws = awsClientsFrom(config);
  // The tool context wants a Temporal client; the report never calls it, so it never connects.
  const connection = Connection.lazy({ address: temporalAddressFor(config) });
  try {
    const scan = await findScan(store.store, args.scanId);
    const ctx = {
      config, store: store.store, temporal: new Client({ connection, namespace: config.temporal.namespace }), logger, aws,
      correlationId: 'cli-report', progress: async () => {},
    };
    const report = await scanReport(ctx, scan, cloudScope(scan), { includeRecommendations: args.includeRecommendations, topN: TOP_VIOLATIONS });
    const text = renderReport(report, args.format);
    if (args.output) {
      writeFileSync(args.output, text.endsWith('\n') ? text : `${text}\n`);
      process.stderr.write(`report of scan ${scan.workflowId} (${args.format}) written to ${args.output}\n`);
    } else {
      process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    }
  } finally {
    aws.destroy();
    await connection.close().catch(() => {});
    await store.close();
  }
}
