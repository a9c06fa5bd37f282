// The gateway's metrics: the ones its owner passed (the CLI shares one registry per process), else
// a fresh registry of its own (tests, embedders), so every gateway can answer /metrics.
import { Registry } from 'prom-client';
import type { GatewayDeps } from './context.js';
import { GatewayMetrics } from './metrics.js';
import { TOOLS } from './tools/index.js';

export function gatewayMetricsFor(deps: GatewayDeps): GatewayDeps & { metrics: GatewayMetrics } {
  if (deps.metrics) return deps as GatewayDeps & { metrics: GatewayMetrics };
  return { ...deps, metrics: newGatewayMetrics(new Registry(), deps) };
}

export function newGatewayMetrics(registry: Registry, deps: Pick<GatewayDeps, 'store'>, extra?: () => Promise<string>): GatewayMetrics {
  return new GatewayMetrics(registry, {
    tools: TOOLS.map((t) => t.name), auditFailures: () => deps.store.auditFailures().failedWrites, ...(extra ? { extra } : {}),
  });
}
