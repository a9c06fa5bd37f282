// `finops-tag-compliance scan` and the gateway go through one scan client: for the same scope they
// start or join the same workflow, whichever comes first (moto behind the fault proxy, the worker
// as its own process, the CLI as a user runs it).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../config/logger.js';
import { openStore, type StoreHandle } from '../../cli/runtime.js';
import { cancelComplianceScan } from '../../client/scans.js';
import type { ToolContext } from '../../mcp-gateway/context.js';
import { checkTagCompliance } from '../../mcp-gateway/tools/check-tag-compliance.js';
import { startComplianceScanTool } from '../../mcp-gateway/tools/start-compliance-scan.js';
import { REPO_ROOT } from '../../worker/temporal-cli.js';
import { startMotoStack, type MotoStack } from '../support/moto-stack.js';

interface ScanOut { scan_id: string; status: string; progress?: unknown; result?: { status: string; totals: { total: number } } }

describe('scan from the CLI and from the gateway', { timeout: 240_000 }, () => {
  let stack: MotoStack;
  let temporal: Client;
  let store: StoreHandle;

  beforeAll(async () => {
    stack = await startMotoStack({ name: 'cli-scan' });
    store = await openStore(stack.config, createLogger('silent'));
    temporal = new Client({ connection: await Connection.connect({ address: stack.temporalServer.address }) });
  });

  afterAll(async () => {
    await temporal?.connection.close();
    await store?.close();
    await stack?.stop();
  });

  afterEach(() => stack.proxy.setRules([]));

  function cliScan(args: string[]): Promise<ScanOut> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [path.join(REPO_ROOT, 'bin', 'finops-tag-compliance.mjs'), 'scan', ...args], {
        env: { ...process.env, LOG_LEVEL: 'warn', FINOPS_FROM_SOURCE: '1', ...stack.env }, stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => { stdout += c.toString(); });
      child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
      child.once('error', reject);
      child.once('exit', (code) => {
        if (code !== 0) reject(new Error(`scan exited ${code}: ${stderr}`));
        else resolve(JSON.parse(stdout) as ScanOut);
      });
    });
  }

  const ctx = (): ToolContext => ({
    config: stack.config, store: store.store, temporal, logger: createLogger('silent'), correlationId: 'test', progress: async () => {},
  });

  it('the gateway joins the scan the CLI started, and the CLI joins the one the gateway started', async () => {
    const [A0, A1] = stack.org.accounts as [string, string];
    const [R0] = stack.org.regions as [string];
    stack.proxy.setRules([{ name: 'slow', fault: { kind: 'delay', ms: 1500 } }]);

    const fromCli = await cliScan(['--resource-types', 'ec2:instance,s3:bucket', '--accounts', A0, '--regions', R0]);
    expect(fromCli).toMatchObject({ status: 'running' });
    expect(fromCli.scan_id).toMatch(/^scan-adhoc-[0-9a-f]{12}-\d{8}T\d{4}Z$/);
    const check = await checkTagCompliance.handler(ctx(), checkTagCompliance.inputSchema.parse({
      resource_types: ['s3:bucket', 'ec2:instance'], accounts: [A0], regions: [R0], wait_seconds: 0,
    }));
    expect(check.structured.scan_id).toBe(fromCli.scan_id);

    const fromGateway = await startComplianceScanTool.handler(ctx(), startComplianceScanTool.inputSchema.parse({
      resource_types: ['ec2:instance'], accounts: [A1], regions: [R0],
    }));
    const joined = await cliScan([`--resource-types=ec2:instance`, `--accounts=${A1}`, `--regions=${R0}`]);
    expect(joined.scan_id).toBe(fromGateway.structured.scan_id);
    expect(joined.scan_id).not.toBe(fromCli.scan_id);

    await cancelComplianceScan(temporal, fromGateway.structured.scan_id, 'test done');
    stack.proxy.setRules([]);
    // --wait returns the result once the scan ends within it.
    const done = await cliScan(['--resource-types', 'ec2:instance,s3:bucket', '--accounts', A0, '--regions', R0, '--wait', '120']);
    expect(done.scan_id).toBe(fromCli.scan_id);
    expect(done).toMatchObject({ status: 'completed', result: { status: 'completed' } });
    expect(done.result!.totals.total).toBeGreaterThan(0);
  });
});
