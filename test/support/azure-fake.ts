// A local HTTPS stand-in for Azure Resource Manager and Entra ID sign-in, speaking the documented
// REST shapes the real SDK clients call: the token endpoint, GET /subscriptions, a subscription's
// /resources and /resourcegroups with nextLink paging ($skiptoken), and tags at a scope. It is
// seeded with a known inventory, logs every request, and can answer 429 with Retry-After.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface FakeArmResource {
  id: string;
  name: string;
  type: string;
  location: string;
  tags?: Record<string, string>;
}

export interface FakeSubscription {
  subscriptionId: string;
  state?: string;
  resources: FakeArmResource[];
  groups: FakeArmResource[];
}

export interface LoggedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
}

export interface AzureFake {
  url: string;
  /** PEM of the fake's self-signed certificate, and a file holding it (clouds.azure.caFile). */
  ca: string;
  caFile: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  requests: LoggedRequest[];
  /** The next `count` ARM requests answer 429 with this Retry-After (seconds). */
  throttleNext(count: number, retryAfterSeconds: number): void;
  /**
   * Holds the ARM requests that `match` picks (default: all) until `release` (a worker can then be
   * killed mid-shard); `held` counts those waiting.
   */
  hold(match?: (r: LoggedRequest) => boolean): { held(): number; release(): void };
  close(): Promise<void>;
}

const TOKEN = 'fake-arm-token';

/** A self-signed certificate for 127.0.0.1, made now with openssl (no key leaves the temp dir). */
function selfSigned(dir: string): { key: string; cert: string } {
  const keyFile = path.join(dir, 'key.pem');
  const certFile = path.join(dir, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
    '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', keyFile, '-out', certFile], { stdio: 'ignore' });
  return { key: readFileSync(keyFile, 'utf8'), cert: readFileSync(certFile, 'utf8') };
}

export async function startAzureFake(subscriptions: FakeSubscription[], options: { pageSize?: number } = {}): Promise<AzureFake> {
  const pageSize = options.pageSize ?? 100;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'azure-fake-'));
  const { key, cert } = selfSigned(dir);
  const caFile = path.join(dir, 'ca.pem');
  writeFileSync(caFile, cert);
  const tenantId = '72f988bf-0000-4000-8000-000000000001';
  const clientId = '11111111-2222-4333-8444-555555555555';
  const clientSecret = 'fake-secret-value';
  const requests: LoggedRequest[] = [];
  let throttled = 0;
  let throttleSeconds = 0;
  let held: { gate: Promise<void>; match: (r: LoggedRequest) => boolean; waiting: number } | undefined;
  let base = '';

  const send = (res: import('node:http').ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };

  const page = (items: FakeArmResource[], url: URL) => {
    const skip = Number(url.searchParams.get('$skiptoken') ?? 0);
    const slice = items.slice(skip, skip + pageSize);
    const next = skip + pageSize < items.length ? new URL(url.toString()) : undefined;
    next?.searchParams.set('$skiptoken', String(skip + pageSize));
    return { value: slice, ...(next ? { nextLink: next.toString() } : {}) };
  };

  const server: Server = createServer({ key, cert }, (req, res) => {
    // A scope id may arrive after a second slash; it is a path, not an authority.
    const url = new URL((req.url ?? '/').replace(/^\/+/, '/'), base);
    const logged: LoggedRequest = { method: req.method ?? 'GET', path: url.pathname, query: Object.fromEntries(url.searchParams) };
    requests.push(logged);
    let body = '';
    req.on('data', (chunk: Buffer) => { body += chunk.toString(); });
    req.on('end', () => void (async () => {
      const p = url.pathname.toLowerCase();
      // Entra ID: authority metadata and the client-credentials token endpoint.
      if (p === `/${tenantId}/v2.0/.well-known/openid-configuration`) {
        return send(res, 200, {
          token_endpoint: `${base}/${tenantId}/oauth2/v2.0/token`, authorization_endpoint: `${base}/${tenantId}/oauth2/v2.0/authorize`,
          issuer: `${base}/${tenantId}/v2.0`, jwks_uri: `${base}/${tenantId}/discovery/v2.0/keys`, end_session_endpoint: `${base}/${tenantId}/oauth2/v2.0/logout`,
        });
      }
      if (p === `/${tenantId}/oauth2/v2.0/token` && req.method === 'POST') {
        const form = new URLSearchParams(body);
        if (form.get('client_id') !== clientId || form.get('client_secret') !== clientSecret) {
          return send(res, 401, { error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret provided.', error_codes: [7000215] });
        }
        return send(res, 200, { token_type: 'Bearer', access_token: TOKEN, expires_in: 3600, ext_expires_in: 3600 });
      }
      if (req.headers.authorization !== `Bearer ${TOKEN}`) {
        return send(res, 401, { error: { code: 'AuthenticationFailed', message: 'no valid bearer token' } });
      }
      if (throttled > 0) {
        throttled--;
        return send(res, 429, { error: { code: 'TooManyRequests', message: 'throttled' } }, { 'retry-after': String(throttleSeconds) });
      }
      const hold = held;
      if (hold?.match(logged)) {
        hold.waiting++;
        await hold.gate;
      }
      if (p === '/subscriptions') {
        return send(res, 200, { value: subscriptions.map((s) => ({ id: `/subscriptions/${s.subscriptionId}`, subscriptionId: s.subscriptionId, displayName: s.subscriptionId, state: s.state ?? 'Enabled' })) });
      }
      const tags = /^(\/subscriptions\/.+)\/providers\/microsoft\.resources\/tags\/default$/.exec(p);
      if (tags) {
        const all = subscriptions.flatMap((s) => [...s.resources, ...s.groups]);
        const found = all.find((r) => r.id.toLowerCase() === tags[1]);
        if (!found) return send(res, 404, { error: { code: 'ResourceNotFound', message: 'not found' } });
        return send(res, 200, { id: `${found.id}/providers/Microsoft.Resources/tags/default`, name: 'default', type: 'Microsoft.Resources/tags', properties: { tags: found.tags ?? {} } });
      }
      const list = /^\/subscriptions\/([^/]+)\/(resources|resourcegroups)$/.exec(p);
      const sub = list && subscriptions.find((s) => s.subscriptionId.toLowerCase() === list[1]);
      if (list && sub) return send(res, 200, page(list[2] === 'resources' ? sub.resources : sub.groups, url));
      if (list) return send(res, 404, { error: { code: 'SubscriptionNotFound', message: 'subscription not found' } });
      return send(res, 404, { error: { code: 'NotFound', message: `no route ${req.method} ${url.pathname}` } });
    })());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base, ca: cert, caFile, tenantId, clientId, clientSecret, requests,
    throttleNext(count, seconds) { throttled = count; throttleSeconds = seconds; },
    hold(match = () => true) {
      let release!: () => void;
      const hold = { gate: new Promise<void>((resolve) => { release = resolve; }), match, waiting: 0 };
      held = hold;
      return { held: () => hold.waiting, release: () => { if (held === hold) held = undefined; release(); } };
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A seeded subscription: `groups` resource groups, `perGroup` resources in each, tags by index. */
export function aSubscription(subscriptionId: string, groups: number, perGroup: number, tagsOf: (i: number) => Record<string, string>): FakeSubscription {
  const types = ['Microsoft.Compute/virtualMachines', 'Microsoft.Storage/storageAccounts', 'Microsoft.Network/virtualNetworks'];
  const locations = ['westeurope', 'eastus'];
  const rgs: FakeArmResource[] = Array.from({ length: groups }, (_, g) => ({
    id: `/subscriptions/${subscriptionId}/resourceGroups/rg-${g}`, name: `rg-${g}`, type: 'Microsoft.Resources/resourceGroups',
    location: locations[g % 2]!, tags: tagsOf(g),
  }));
  const resources: FakeArmResource[] = [];
  for (let g = 0; g < groups; g++) {
    for (let i = 0; i < perGroup; i++) {
      const n = g * perGroup + i;
      const type = types[n % types.length]!;
      resources.push({ id: `/subscriptions/${subscriptionId}/resourceGroups/rg-${g}/providers/${type}/res-${n}`, name: `res-${n}`, type, location: locations[n % 2]!, tags: tagsOf(n) });
    }
  }
  return { subscriptionId, resources, groups: rgs };
}
