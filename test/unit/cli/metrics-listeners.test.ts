// The CLI's separate metrics listeners (cli/metrics.ts), on real sockets: metrics.port serves the
// gateway's exposition without auth, metrics.workerPort the worker's, both only at GET /metrics,
// and a Temporal SDK exporter that does not answer leaves a comment instead of failing the scrape.
import { describe, expect, it } from 'vitest';
import { processMetrics } from '../../../cli/metrics.js';
import { Lifecycle } from '../../../cli/lifecycle.js';
import { configSchema } from '../../../config/index.js';
import { createLogger } from '../../../config/logger.js';
import type { Store } from '../../../store/index.js';
import { freePort } from '../../../worker/dev-server.js';

describe('separate metrics listeners', () => {
  it('serve the gateway and worker metrics at GET /metrics only, and stop with the lifecycle', async () => {
    const [port, workerPort, sdkPort] = [await freePort(), await freePort(), await freePort()];
    const config = configSchema.parse({ metrics: { port, workerPort, temporalSdkPort: sdkPort } });
    const metrics = await processMetrics(config, { worker: true });
    // The SDK exporter's address the worker would install (nothing listens there in this test).
    expect(metrics.worker.sdkMetricsAddress).toBe(`127.0.0.1:${sdkPort}`);
    const store = { auditFailures: () => ({ failedWrites: 2, lastFailureAt: null }) } as unknown as Store;
    const gateway = metrics.gateway(store);
    gateway.recordToolCall('get_tagging_policy', 'ok', 0.02);
    metrics.worker.metrics!.scanClosed('completed', 'adhoc');
    const lifecycle = new Lifecycle(createLogger('silent'), 5000);
    await metrics.listen(lifecycle, gateway);
    try {
      const own = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(own.status).toBe(200);
      expect(own.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      const text = await own.text();
      expect(text).toContain('finops_tool_calls_total{tool="get_tagging_policy",outcome="ok"} 1');
      expect(text).toContain('finops_audit_writes_failed_total 2');
      // One registry per process: the worker's counters show on the gateway's listener too (`start`).
      expect(text).toContain('finops_scans_total{status="completed",trigger="adhoc"} 1');
      expect(text).toMatch(/^# Temporal SDK metrics unavailable/m);

      const worker = await (await fetch(`http://127.0.0.1:${workerPort}/metrics`)).text();
      expect(worker).toContain('finops_scans_total{status="completed",trigger="adhoc"} 1');
      expect((await fetch(`http://127.0.0.1:${workerPort}/`)).status).toBe(404);
      expect((await fetch(`http://127.0.0.1:${port}/metrics`, { method: 'POST' })).status).toBe(404);
    } finally {
      expect(await lifecycle.stop('test done')).toBe(true);
    }
    await expect(fetch(`http://127.0.0.1:${port}/metrics`)).rejects.toThrow();
  });

  it('opens no listener and no SDK exporter unless asked', async () => {
    const metrics = await processMetrics(configSchema.parse({}), { worker: true });
    expect(metrics.worker.sdkMetricsAddress).toBeUndefined();
    const lifecycle = new Lifecycle(createLogger('silent'), 5000);
    await metrics.listen(lifecycle, undefined);
    expect(await lifecycle.stop('test done')).toBe(true);
  });
});
