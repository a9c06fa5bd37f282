// A process's metrics, as the CLI assembles them: one prom-client registry shared by the gateway and
// the worker of this process (so `start` shows both on one /metrics), the Temporal SDK's own
// Prometheus exporter when a worker runs here and metrics are asked for, and the separate
// listeners (metrics.port for the gateway, metrics.workerPort for the worker).
import { createServer, type Server } from 'node:http';
import { Registry } from 'prom-client';
import type { Config } from '../config/index.js';
import type { GatewayMetrics } from '../mcp-gateway/metrics.js';
import { newGatewayMetrics } from '../mcp-gateway/metrics-of.js';
import type { Store } from '../store/index.js';
import { freePort } from '../worker/free-port.js';
import { WorkerMetrics } from '../worker/metrics.js';
import type { WorkerObservability } from '../worker/observability.js';
import type { Lifecycle } from './lifecycle.js';

/** A scrape of the SDK's exporter gives up after this long; the rest of /metrics still answers. */
const SDK_SCRAPE_TIMEOUT_MS = 2000;

export interface ProcessMetrics {
  registry: Registry;
  /** For createWorker: the metrics its interceptor feeds and the SDK exporter's address. */
  worker: WorkerObservability;
  /** The gateway's metrics in this registry (the SDK's lines appended when the exporter runs here). */
  gateway(store: Store): GatewayMetrics;
  /** Starts the separate listeners the config asks for; the lifecycle closes them. */
  listen(lifecycle: Lifecycle, gateway: GatewayMetrics | undefined): Promise<void>;
}

/** host:port, IPv6 hosts in brackets. */
function hostPort(host: string, port: number): string {
  const bare = host.replace(/^\[|\]$/g, '');
  return bare.includes(':') ? `[${bare}]:${port}` : `${bare}:${port}`;
}

/** Where this process scrapes a listener bound to `host`: a wildcard bind is reached on loopback. */
function scrapeHost(host: string): string {
  const bare = host.replace(/^\[|\]$/g, '');
  return bare === '0.0.0.0' ? '127.0.0.1' : bare === '::' ? '::1' : bare;
}

/** The SDK exporter's exposition text; a comment saying why when it does not answer. */
export function sdkMetricsScraper(address: string): () => Promise<string> {
  return async () => {
    try {
      const res = await fetch(`http://${address}/metrics`, { signal: AbortSignal.timeout(SDK_SCRAPE_TIMEOUT_MS) });
      if (!res.ok) return `# Temporal SDK metrics unavailable: ${address} answered ${res.status}\n`;
      return await res.text();
    } catch (err) {
      return `# Temporal SDK metrics unavailable: ${err instanceof Error ? err.message : String(err)}\n`;
    }
  };
}

export async function processMetrics(config: Config, opts: { worker: boolean }): Promise<ProcessMetrics> {
  const registry = new Registry();
  const m = config.metrics;
  const sdkWanted = opts.worker && (m.temporalSdkPort !== undefined || m.workerPort !== undefined);
  const sdkPort = sdkWanted ? m.temporalSdkPort ?? await freePort(scrapeHost(m.host)) : undefined;
  const bindAddress = sdkPort !== undefined ? hostPort(m.host, sdkPort) : undefined;
  const sdkScrape = sdkPort !== undefined ? sdkMetricsScraper(hostPort(scrapeHost(m.host), sdkPort)) : undefined;
  const worker: WorkerObservability = opts.worker ? { metrics: new WorkerMetrics(registry), ...(bindAddress ? { sdkMetricsAddress: bindAddress } : {}) } : {};
  const exposition = async () => {
    const own = await registry.metrics();
    return sdkScrape ? `${own.trimEnd()}\n${await sdkScrape()}` : own;
  };
  return {
    registry,
    worker,
    gateway: (store) => newGatewayMetrics(registry, { store }, sdkScrape),
    async listen(lifecycle, gateway) {
      if (m.enabled && m.port !== undefined && gateway) await serve(lifecycle, 'gateway metrics listener', m.host, m.port, () => gateway.exposition(), registry.contentType);
      if (opts.worker && m.workerPort !== undefined) await serve(lifecycle, 'worker metrics listener', m.host, m.workerPort, exposition, registry.contentType);
    },
  };
}

/** A listener that answers GET /metrics and nothing else. */
async function serve(lifecycle: Lifecycle, name: string, host: string, port: number, text: () => Promise<string>, contentType: string): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' || path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not Found: metrics are at GET /metrics\n');
      return;
    }
    text().then((body) => res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' }).end(body),
      () => res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics could not be collected\n'));
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, host, resolve));
  lifecycle.add(name, () => new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  }));
  return server;
}
