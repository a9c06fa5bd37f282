// Cloud call budgets on the real SDK clients: AWS clients against moto (behind a recording proxy)
// and the Azure clients against the ARM fake. Every request waits for its target's token, a
// second target has a bucket of its own, and retries take tokens too. Time is only bounded from
// below (a loaded machine can make a run slower, never faster than the budget allows).
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwsClients } from '../../cloud/aws/clients.js';
import { awsBudgetKey } from '../../cloud/aws/call-budget.js';
import { azureClientsFrom, type AzureClientSettings } from '../../cloud/azure/clients.js';
import { createAzureScanner } from '../../cloud/azure/scanner.js';
import { MANAGEMENT_ACCOUNT } from '../support/aws-seed.js';
import { aSubscription, startAzureFake, type AzureFake } from '../support/azure-fake.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { MOTO_CREDENTIALS, startMoto, type MotoServer } from '../support/moto.js';
import { startRequestLog, type RequestLog } from '../support/request-log.js';

const seconds = (since: number) => (performance.now() - since) / 1000;

describe('AWS call budget on moto', { timeout: 120_000 }, () => {
  let moto: MotoServer;
  let proxy: FaultProxy;
  let log: RequestLog;
  let clients: AwsClients;

  beforeAll(async () => {
    process.env.AWS_ACCESS_KEY_ID ??= MOTO_CREDENTIALS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY ??= MOTO_CREDENTIALS.secretAccessKey;
    moto = await startMoto();
    proxy = await startFaultProxy(moto.endpoint, []);
    log = await startRequestLog(proxy.endpoint);
  }, 60_000);

  afterAll(async () => {
    clients?.destroy();
    await log?.stop();
    await proxy?.stop();
    await moto?.stop();
  });

  it('holds one account and Region to burst + rate x t calls, and leaves another Region its own bucket', async () => {
    clients = new AwsClients({
      endpoint: log.endpoint, roleName: 'OrganizationAccountAccessRole', sessionDurationSeconds: 900,
      managementAccountId: MANAGEMENT_ACCOUNT, maxAttempts: 1, budget: { callsPerSecond: 5, burst: 2 },
    });
    const home = clients.client('dynamodb', MANAGEMENT_ACCOUNT, 'us-east-1');
    const other = clients.client('dynamodb', MANAGEMENT_ACCOUNT, 'eu-west-1');
    const from = log.entries.length;
    const start = performance.now();
    await Promise.all([
      ...Array.from({ length: 17 }, () => home.send(new ListTablesCommand({}))),
      ...Array.from({ length: 2 }, () => other.send(new ListTablesCommand({}))),
    ]);
    const took = seconds(start);
    // 17 calls, 2 at once and then 5 a second: the last cannot leave before (17 - 2) / 5 = 3 s.
    expect(took).toBeGreaterThanOrEqual(2.9);
    const homeCounters = clients.budgets.counters(awsBudgetKey(MANAGEMENT_ACCOUNT, 'us-east-1'));
    expect(homeCounters.granted).toBe(17);
    // All 17 were sent at once: all but the burst waited (a few fewer if a slow machine spread them out).
    expect(homeCounters.delayed).toBeGreaterThanOrEqual(10);
    // The other Region's two calls fit its own burst: they never waited.
    expect(clients.budgets.counters(awsBudgetKey(MANAGEMENT_ACCOUNT, 'eu-west-1'))).toMatchObject({ granted: 2, delayed: 0 });
    const sent = log.entries.slice(from).filter((r) => r.operation === 'ListTables');
    expect(sent).toHaveLength(19);
    // Arrivals at the proxy: the last us-east-1 call came at least 2.9 s after the first.
    const home1 = sent.filter((r) => r.region === 'us-east-1');
    expect(home1.at(-1)!.at - home1[0]!.at).toBeGreaterThanOrEqual(2900);
  });

  it('takes a token for every attempt, so throttled retries stay inside the budget', async () => {
    const retrying = new AwsClients({
      endpoint: proxy.endpoint, roleName: 'OrganizationAccountAccessRole', sessionDurationSeconds: 900,
      managementAccountId: MANAGEMENT_ACCOUNT, maxAttempts: 3, budget: { callsPerSecond: 50, burst: 1 },
    });
    try {
      // Every 2nd ListTables is throttled: 4 calls need 6+ attempts, each through the bucket.
      proxy.setRules([{ service: 'dynamodb', target: 'ListTables', fault: { kind: 'throttle', every: 2 } }]);
      const dynamodb = retrying.client('dynamodb', MANAGEMENT_ACCOUNT, 'us-west-2');
      for (let i = 0; i < 4; i++) await dynamodb.send(new ListTablesCommand({}));
      const injected = proxy.stats.injected['dynamodb:throttle'] ?? 0;
      expect(injected).toBeGreaterThanOrEqual(2);
      expect(retrying.budgets.counters(awsBudgetKey(MANAGEMENT_ACCOUNT, 'us-west-2')).granted).toBe(4 + injected);
    } finally {
      proxy.setRules([]);
      retrying.destroy();
    }
  });
});

describe('Azure call budget on the ARM fake', { timeout: 120_000 }, () => {
  const SUB_A = 'aaaaaaaa-0000-4000-8000-00000000000a';
  const SUB_B = 'bbbbbbbb-0000-4000-8000-00000000000b';
  let fake: AzureFake;

  beforeAll(async () => {
    fake = await startAzureFake([aSubscription(SUB_A, 1, 12, () => ({ env: 'prod' })), aSubscription(SUB_B, 1, 1, () => ({ env: 'prod' }))], { pageSize: 1 });
  }, 30_000);

  afterAll(async () => {
    await fake?.close();
  });

  it('holds one subscription to its rate while another subscription pages freely', async () => {
    const settings: AzureClientSettings = {
      tenantId: fake.tenantId, clientId: fake.clientId, clientSecret: fake.clientSecret, endpoint: fake.url, authorityHost: fake.url,
      caFile: fake.caFile, sdkMaxRetries: 0, callsPerSecondPerSubscription: 4, callBurst: 2,
    };
    const clients = azureClientsFrom(settings);
    const scanner = createAzureScanner(settings, clients);
    const shard = { region: '*', label: 'resources', source: { kind: 'resources', types: ['all'] } };
    const pageAll = async (target: string) => {
      let pages = 0;
      let token: string | undefined;
      do {
        token = (await scanner.fetchPage(target, shard, token)).next;
        pages++;
      } while (token);
      return pages;
    };
    const start = performance.now();
    const [pagesA, pagesB] = await Promise.all([pageAll(SUB_A), pageAll(SUB_B)]);
    const took = seconds(start);
    expect(pagesA).toBeGreaterThanOrEqual(12);
    // pagesA calls at 4 a second after a burst of 2.
    expect(took).toBeGreaterThanOrEqual((pagesA - 2) / 4 - 0.1);
    expect(clients.budgets.counters(SUB_A).granted).toBe(pagesA);
    expect(clients.budgets.counters(SUB_A).delayed).toBeGreaterThanOrEqual(1);
    // SUB_B's one or two pages fit its own burst.
    expect(pagesB).toBeLessThanOrEqual(2);
    expect(clients.budgets.counters(SUB_B)).toMatchObject({ granted: pagesB, delayed: 0 });
  });
});
