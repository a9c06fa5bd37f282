// The gateway's Prometheus metrics: tool calls and their latency by tool and outcome, and audit rows
// lost. Each gateway gets its registry from its owner (the CLI shares one per process; tests build
// one per gateway), never prom-client's global one, so several gateways in a process don't collide.
// Labels are bounded: tool names from the registry (anything else is `unknown`) and a fixed list of
// outcomes; nothing a caller typed becomes a label value.
import { Counter, Histogram, Registry } from 'prom-client';

/** How a call ended: as audited (server.ts), with `invalid` for calls refused before any tool ran. */
export const TOOL_OUTCOMES = ['ok', 'error', 'refused', 'invalid', 'input_required'] as const;
export type ToolOutcome = (typeof TOOL_OUTCOMES)[number];

/** Latency buckets (seconds): cached answers are milliseconds, a waited-on scan is up to the wait bound. */
const CALL_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120];

export interface GatewayMetricsOptions {
  /** The names tools/call may run; any other name is counted as `unknown`. */
  tools: Iterable<string>;
  /** Audit rows the store lost for good since it opened (store.auditFailures().failedWrites). */
  auditFailures(): number;
  /** More exposition text appended to this registry's (the Temporal SDK's own metrics in `start`). */
  extra?: () => Promise<string>;
}

export class GatewayMetrics {
  private readonly tools: ReadonlySet<string>;
  private readonly calls: Counter<'tool' | 'outcome'>;
  private readonly latency: Histogram<'tool' | 'outcome'>;

  constructor(readonly registry: Registry, private readonly options: GatewayMetricsOptions) {
    this.tools = new Set(options.tools);
    this.calls = new Counter({
      name: 'finops_tool_calls_total', help: 'MCP tool calls by tool and outcome', labelNames: ['tool', 'outcome'], registers: [registry],
    });
    this.latency = new Histogram({
      name: 'finops_tool_call_duration_seconds', help: 'MCP tool call latency by tool and outcome',
      labelNames: ['tool', 'outcome'], buckets: CALL_BUCKETS, registers: [registry],
    });
    // Read at scrape time from the store's own count, so a loss is never counted twice or missed.
    new Counter({
      name: 'finops_audit_writes_failed_total', help: 'Audit rows that could not be written, even after retries',
      registers: [registry],
      collect() {
        this.reset();
        this.inc(options.auditFailures());
      },
    });
  }

  /** Counts one tool call; `seconds` is its wall time. */
  recordToolCall(tool: string, outcome: string, seconds: number): void {
    const labels = { tool: this.tools.has(tool) ? tool : 'unknown', outcome: (TOOL_OUTCOMES as readonly string[]).includes(outcome) ? outcome : 'error' };
    this.calls.inc(labels);
    this.latency.observe(labels, seconds);
  }

  /** The exposition text of this registry, and of the extra source when there is one. */
  async exposition(): Promise<string> {
    const own = await this.registry.metrics();
    const extra = this.options.extra ? await this.options.extra() : '';
    return extra ? `${own.trimEnd()}\n${extra}` : own;
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
