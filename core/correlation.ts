// The MCP correlation id as it travels with a trace: a W3C baggage entry from the tool call into the
// workflows and activities it starts, and a span attribute on each span along the way.
export const CORRELATION_BAGGAGE_KEY = 'finops.correlation_id';
export const CORRELATION_SPAN_ATTRIBUTE = 'finops.correlation_id';
