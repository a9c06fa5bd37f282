// Workflow interceptor module, bundled with the workflows only when tracing is on (worker/tracing.ts):
// puts the MCP correlation id, carried in the trace's baggage, on the workflow's span. It runs inside
// the OpenTelemetry interceptor's span and adds no commands, so histories replay unchanged.
import * as otel from '@opentelemetry/api';
import type { Next, WorkflowExecuteInput, WorkflowInboundCallsInterceptor, WorkflowInterceptorsFactory } from '@temporalio/workflow';
import { CORRELATION_BAGGAGE_KEY, CORRELATION_SPAN_ATTRIBUTE } from '../core/correlation.js';

class CorrelationSpanAttribute implements WorkflowInboundCallsInterceptor {
  async execute(input: WorkflowExecuteInput, next: Next<WorkflowInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    const active = otel.context.active();
    const correlationId = otel.propagation.getBaggage(active)?.getEntry(CORRELATION_BAGGAGE_KEY)?.value;
    if (correlationId) otel.trace.getSpan(active)?.setAttribute(CORRELATION_SPAN_ATTRIBUTE, correlationId);
    return next(input);
  }
}

export const interceptors: WorkflowInterceptorsFactory = () => ({ inbound: [new CorrelationSpanAttribute()] });
