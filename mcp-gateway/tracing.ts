// The tool call's span: every tool call runs inside one, carrying the MCP correlation id as a span
// attribute and as W3C baggage, so the workflow and activity spans it leads to (through the
// Temporal client's OpenTelemetry interceptor) carry it too. Without a registered tracer provider
// (tracing.enabled false) this only calls `fn`: the no-op span, baggage and context would still
// cost every call a few allocations and closures.
import { context, propagation, ProxyTracerProvider, SpanStatusCode, trace } from '@opentelemetry/api';
import { CORRELATION_BAGGAGE_KEY, CORRELATION_SPAN_ATTRIBUTE } from '../core/correlation.js';

const TRACER_NAME = 'finops-tag-compliance/mcp-gateway';
const tracer = trace.getTracer(TRACER_NAME);

/** Whether a tracer provider is registered (it may be registered after this module loads). */
function tracing(): boolean {
  const provider = trace.getTracerProvider();
  return !(provider instanceof ProxyTracerProvider) || provider.getDelegateTracer(TRACER_NAME) !== undefined;
}

export function withToolCallSpan<T>(tool: string, correlationId: string, fn: () => Promise<T>): Promise<T> {
  if (!tracing()) return fn();
  const active = context.active();
  const baggage = (propagation.getBaggage(active) ?? propagation.createBaggage()).setEntry(CORRELATION_BAGGAGE_KEY, { value: correlationId });
  const parent = propagation.setBaggage(active, baggage);
  return tracer.startActiveSpan(`mcp.tool ${tool}`, { attributes: { 'mcp.tool.name': tool, [CORRELATION_SPAN_ATTRIBUTE]: correlationId } }, parent,
    async (span) => {
      try {
        return await fn();
      } catch (err) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.name : 'Error' });
        throw err;
      } finally {
        span.end();
      }
    });
}
