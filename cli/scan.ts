// `scan --resource-types T,… [--accounts A,…] [--regions R,…] [--wait N]`: starts the compliance
// scan of a scope, or joins the one already running for it (the same workflow id the gateway
// uses), and prints its id with its progress, or its result once done within the wait.
import { WorkflowFailedError } from '@temporalio/client';
import type { Config } from '../config/index.js';
import { scanHandle, scanProgress, startComplianceScan } from '../client/scans.js';
import { withTemporalClient } from './temporal-client.js';

export interface ScanArgs {
  resourceTypes: string[];
  accounts?: string[];
  regions?: string[];
  waitSeconds: number;
}

const list = (value: string | undefined) => value?.split(',').map((s) => s.trim()).filter(Boolean);

/** Parses `--name value` and `--name=value` flags; throws on anything else, with the usage. */
export function parseScanArgs(argv: string[]): ScanArgs {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!m) throw new Error(`scan: unexpected argument "${arg}"`);
    const value = m[2] ?? argv[++i];
    if (value === undefined) throw new Error(`scan: --${m[1]} needs a value`);
    flags.set(m[1]!, value);
  }
  for (const name of flags.keys()) {
    if (!['resource-types', 'accounts', 'regions', 'wait'].includes(name)) throw new Error(`scan: unknown option --${name}`);
  }
  const resourceTypes = list(flags.get('resource-types'));
  if (!resourceTypes?.length) throw new Error('scan needs --resource-types, e.g. --resource-types ec2:instance,s3:bucket');
  const wait = Number(flags.get('wait') ?? 0);
  if (!Number.isFinite(wait) || wait < 0) throw new Error('scan: --wait is a number of seconds');
  const accounts = list(flags.get('accounts'));
  const regions = list(flags.get('regions'));
  return { resourceTypes, ...(accounts ? { accounts } : {}), ...(regions ? { regions } : {}), waitSeconds: wait };
}

export async function runScan(config: Config, args: ScanArgs): Promise<void> {
  await withTemporalClient(config, async (client) => {
    const { workflowId } = await startComplianceScan(client, config, {
      scope: {
        clouds: ['aws'], resource_types: args.resourceTypes,
        ...(args.accounts ? { accounts: args.accounts } : {}), ...(args.regions ? { regions: args.regions } : {}),
      },
    });
    process.stderr.write(`scan ${workflowId} started or joined\n`);
    const result = args.waitSeconds > 0 ? await resultWithin(scanHandle(client, workflowId).result(), args.waitSeconds) : undefined;
    const out = result
      ? { scan_id: workflowId, status: result.status, result }
      : { scan_id: workflowId, status: 'running', progress: await scanProgress(client, workflowId).catch(() => null) };
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  });
}

/** The result if the scan ends within the wait; a failed scan throws, with Temporal's reason. */
async function resultWithin<T>(result: Promise<T>, seconds: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([result, new Promise<undefined>((r) => { timer = setTimeout(() => r(undefined), seconds * 1000); })]);
  } catch (err) {
    if (err instanceof WorkflowFailedError) throw new Error(`scan failed: ${err.cause?.message ?? err.message}`);
    throw err;
  } finally {
    clearTimeout(timer);
  }
}
