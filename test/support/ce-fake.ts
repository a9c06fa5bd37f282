// A Cost Explorer endpoint for tests: it answers GetCostAndUsageWithResources itself (moto has no
// such operation), speaking CE's JSON 1.1 protocol, and forwards every other request to moto
// unchanged, counting every request by operation so a test can tell a cached answer from a call.
import { Agent, createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { forwardRequest } from './fault-proxy.js';

const WITH_RESOURCES = 'AWSInsightsIndexService.GetCostAndUsageWithResources';

/** One resource-level group: [service, resource id] and its spend over the window. */
export interface FakeResourceSpend {
  service: string;
  resourceId: string;
  amount: number;
}

export interface CeFake {
  endpoint: string;
  /** Requests received, by operation (`GetCostAndUsage`, `GetCostAndUsageWithResources`). */
  calls: Record<string, number>;
  /** Request bodies of GetCostAndUsageWithResources, parsed. */
  resourceRequests: Record<string, unknown>[];
  /** What GetCostAndUsageWithResources returns next; `error` answers with that CE exception instead. */
  setResourceSpend(spend: FakeResourceSpend[] | { error: string; message: string }): void;
  stop(): Promise<void>;
}

function read(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
  res.end(JSON.stringify(body));
}

export async function startCeFake(motoEndpoint: string): Promise<CeFake> {
  const calls: Record<string, number> = {};
  const resourceRequests: Record<string, unknown>[] = [];
  let spend: FakeResourceSpend[] | { error: string; message: string } = [];
  const agent = new Agent({ keepAlive: true });
  const upstream = new URL(motoEndpoint);

  const server = createServer((req, res) => {
    void (async () => {
      const body = await read(req);
      const target = String(req.headers['x-amz-target'] ?? '');
      const operation = target.split('.').pop() || 'unknown';
      calls[operation] = (calls[operation] ?? 0) + 1;
      if (target !== WITH_RESOURCES) return forwardRequest(req, body, res, upstream, agent);
      const request = JSON.parse(body.toString('utf8')) as { TimePeriod: { Start: string; End: string } };
      resourceRequests.push(request);
      if (!Array.isArray(spend)) return json(res, 400, { __type: spend.error, message: spend.message });
      // One daily bucket carrying each resource's whole window: sums are what the reader keeps.
      return json(res, 200, {
        GroupDefinitions: [{ Type: 'DIMENSION', Key: 'SERVICE' }, { Type: 'DIMENSION', Key: 'RESOURCE_ID' }],
        ResultsByTime: [{
          TimePeriod: request.TimePeriod, Total: {}, Estimated: false,
          Groups: spend.map((s) => ({ Keys: [s.service, s.resourceId], Metrics: { UnblendedCost: { Amount: String(s.amount), Unit: 'USD' } } })),
        }],
        DimensionValueAttributes: [],
      });
    })().catch((err: unknown) => {
      if (!res.headersSent) json(res, 500, { __type: 'InternalServerException', message: String(err) });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    resourceRequests,
    setResourceSpend(next) { spend = next; },
    async stop() {
      agent.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Queues GetCostAndUsage results in moto: the n-th result answers the n-th distinct request body. */
export async function queueCostAndUsage(motoEndpoint: string, results: unknown[]): Promise<void> {
  const res = await fetch(`${motoEndpoint}/moto-api/static/ce/cost-and-usage-results`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ results }),
  });
  await res.arrayBuffer();
  if (res.status !== 201) throw new Error(`moto refused the CE results (${res.status})`);
}
