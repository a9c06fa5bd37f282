// Serves the synthetic Azure or GCP inventory from the test fakes (test/support/azure-fake.ts,
// gcp-fake.ts) in a Node process of its own, as endpoint-process.ts does for AWS, and says how a
// worker reaches it: the worker environment, credentials included. The worker is the real
// `worker` command, so GCP credentials come through Application Default Credentials: a
// workload-identity (external_account) file whose token exchange this process answers with the
// fake's access token. Run directly (`node --import tsx cloud-fake-process.ts '<args json>'`) it
// prints that environment as one JSON line and serves until SIGTERM.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startAzureFake } from '../../test/support/azure-fake.js';
import { startGcpFake } from '../../test/support/gcp-fake.js';
import { azureSubscriptions, gcpInventory, type CloudShape } from './cloud-inventory.js';
import { startServingProcess } from './serving-process.js';

export type FakeCloud = 'azure' | 'gcp';

interface Args {
  cloud: FakeCloud;
  shape: CloudShape;
}

export interface CloudFakeProcess {
  pid: number;
  /** What the worker needs to scan the fake (endpoint, credentials, targets). */
  workerEnv: Record<string, string>;
  stop(): Promise<void>;
}

/** ARM lists up to 1,000 resources a page; Cloud Asset caps a page at 500 (the scanner's default). */
const ARM_PAGE = 1000;
const ACCESS_TOKEN = 'bench-gcp-access-token';

export async function startCloudFakeProcess(args: Args): Promise<CloudFakeProcess> {
  const { line, pid, stop } = await startServingProcess(fileURLToPath(import.meta.url), args, `${args.cloud} fake`);
  return { pid, workerEnv: JSON.parse(line) as Record<string, string>, stop };
}

async function serveAzure(shape: CloudShape): Promise<{ env: Record<string, string>; close(): Promise<void> }> {
  const fake = await startAzureFake(azureSubscriptions(shape), { pageSize: ARM_PAGE });
  return {
    // No AZURE_SUBSCRIPTIONS: the worker lists the tenant's, as with a Reader role on each.
    env: {
      AZURE_TENANT_ID: fake.tenantId, AZURE_CLIENT_ID: fake.clientId, AZURE_CLIENT_SECRET: fake.clientSecret,
      AZURE_ENDPOINT_URL: fake.url, AZURE_AUTHORITY_HOST: fake.url, AZURE_CA_FILE: fake.caFile,
    },
    close: () => fake.close(),
  };
}

/** An STS token exchange (RFC 8693) answering any subject token with the fake's access token. */
async function startTokenExchange(): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const ok = req.method === 'POST' && req.url === '/v1/token';
      res.writeHead(ok ? 200 : 404, { 'content-type': 'application/json' });
      res.end(JSON.stringify(ok
        ? { access_token: ACCESS_TOKEN, issued_token_type: 'urn:ietf:params:oauth:token-type:access_token', token_type: 'Bearer', expires_in: 3600 }
        : { error: 'not_found' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/token`,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

async function serveGcp(shape: CloudShape): Promise<{ env: Record<string, string>; close(): Promise<void> }> {
  const inventory = gcpInventory(shape);
  const [fake, sts] = await Promise.all([startGcpFake(inventory, ACCESS_TOKEN), startTokenExchange()]);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-gcp-adc-'));
  const subjectToken = path.join(dir, 'subject-token');
  writeFileSync(subjectToken, 'bench-subject-token');
  const adc = path.join(dir, 'external-account.json');
  writeFileSync(adc, JSON.stringify({
    type: 'external_account',
    audience: '//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/bench/providers/bench',
    subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
    token_url: sts.url,
    credential_source: { file: subjectToken },
  }));
  return {
    env: {
      GCP_SCOPES: Object.keys(inventory).join(','), GCP_API_ENDPOINT: '127.0.0.1', GCP_API_PORT: String(fake.port), GCP_API_PROTOCOL: 'http',
      GOOGLE_APPLICATION_CREDENTIALS: adc,
      // Else ADC asks Cloud Resource Manager for the pool's project, which is not served here.
      GOOGLE_CLOUD_PROJECT: 'bench',
    },
    async close() {
      await Promise.all([fake.close(), sts.close()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = JSON.parse(process.argv[2] ?? '{}') as Args;
  const served = args.cloud === 'azure' ? await serveAzure(args.shape) : await serveGcp(args.shape);
  console.log(JSON.stringify(served.env));
  process.once('SIGTERM', () => void served.close().finally(() => process.exit(0)));
}
