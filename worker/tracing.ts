// OpenTelemetry tracing (config tracing.enabled; off by default): a tracer provider registered for
// the process (AsyncLocalStorage context, W3C trace-context and baggage propagation), spans sent to
// the OTLP endpoint the standard OTEL_EXPORTER_OTLP_* variables name, and the pieces a worker adds
// to itself: @temporalio/interceptors-opentelemetry's activity interceptors, its workflow span sink
// and workflow interceptor modules. The MCP correlation id rides in the baggage (mcp-gateway/tracing.ts)
// and is put on every span and on activity log lines.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { context, propagation, type Context } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, SimpleSpanProcessor, type ReadableSpan, type Span, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import {
  makeWorkflowExporter, OpenTelemetryActivityInboundInterceptor, OpenTelemetryActivityOutboundInterceptor, OpenTelemetryWorkflowClientInterceptor,
} from '@temporalio/interceptors-opentelemetry';
import type { ActivityInterceptorsFactory, InjectedSinks } from '@temporalio/worker';
import { CORRELATION_BAGGAGE_KEY, CORRELATION_SPAN_ATTRIBUTE } from '../core/correlation.js';

export interface Tracing {
  spanProcessor: SpanProcessor;
  resource: Resource;
  /** Flushes what is buffered and stops exporting. */
  shutdown(): Promise<void>;
}

function correlationIdIn(ctx: Context): string | undefined {
  return propagation.getBaggage(ctx)?.getEntry(CORRELATION_BAGGAGE_KEY)?.value;
}

/** Puts the correlation id of the parent context's baggage on each span as it starts. */
class CorrelationSpanProcessor implements SpanProcessor {
  constructor(private readonly inner: SpanProcessor) {}
  onStart(span: Span, parentContext: Context): void {
    const correlationId = correlationIdIn(parentContext);
    if (correlationId) span.setAttribute(CORRELATION_SPAN_ATTRIBUTE, correlationId);
    this.inner.onStart(span, parentContext);
  }
  onEnd(span: ReadableSpan): void {
    this.inner.onEnd(span);
  }
  forceFlush(): Promise<void> {
    return this.inner.forceFlush();
  }
  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
}

/**
 * Registers the process's tracer provider. `exporter` replaces OTLP (tests pass an in-memory one,
 * exported span by span); OTLP spans are batched.
 */
export function startTracing(opts: { serviceName: string; exporter?: SpanExporter }): Tracing {
  const resource = new Resource({ 'service.name': opts.serviceName });
  const exporter = opts.exporter ?? new OTLPTraceExporter();
  const spanProcessor = new CorrelationSpanProcessor(opts.exporter ? new SimpleSpanProcessor(exporter) : new BatchSpanProcessor(exporter));
  const provider = new NodeTracerProvider({ resource, spanProcessors: [spanProcessor] });
  provider.register();
  return { spanProcessor, resource, shutdown: () => provider.shutdown() };
}

/** For the Temporal client: starting, signalling and querying workflows carries the caller's trace. */
export function tracingClientInterceptors(): { workflow: OpenTelemetryWorkflowClientInterceptor[] } {
  return { workflow: [new OpenTelemetryWorkflowClientInterceptor()] };
}

const require = createRequire(import.meta.url);

/** Bundled with the workflows: the package's workflow interceptors, then ours (the correlation id attribute). */
export function tracingWorkflowModules(): string[] {
  const ours = fileURLToPath(new URL(`./workflow-tracing${path.extname(fileURLToPath(import.meta.url))}`, import.meta.url));
  return [require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors'), ours];
}

/** Activity spans (a child of the workflow's), and the trace and correlation ids on activity log lines. */
export function tracingActivityInterceptors(): ActivityInterceptorsFactory[] {
  return [
    (ctx) => ({ inbound: new OpenTelemetryActivityInboundInterceptor(ctx), outbound: new OpenTelemetryActivityOutboundInterceptor(ctx) }),
    () => ({
      outbound: {
        getLogAttributes: (input, next) => {
          const correlationId = correlationIdIn(context.active());
          return next(correlationId ? { ...input, correlationId } : input);
        },
      },
    }),
  ];
}

/** The sink through which workflow spans (built in the workflow sandbox) reach the span processor. */
export function tracingSinks(tracing: Tracing): InjectedSinks<Record<string, never>> {
  return { exporter: makeWorkflowExporter(tracing.spanProcessor, tracing.resource) } as unknown as InjectedSinks<Record<string, never>>;
}
