// The output check runs every tool's structured output through the JSON Schema tools/list shows
// clients: what it refuses, a client validating against that schema would refuse too.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineTool } from '../../../mcp-gateway/context.js';
import { outputJsonSchema, outputProblem } from '../../../mcp-gateway/output-check.js';
import { TOOLS } from '../../../mcp-gateway/tools/index.js';

const probe = defineTool({
  name: 'probe_output', title: 'Probe', description: 'test only',
  inputSchema: z.object({}).strict(),
  outputSchema: z.object({
    status: z.enum(['completed', 'running']),
    finished_at: z.iso.datetime().nullable(),
    items: z.array(z.object({ id: z.string(), score: z.number().min(0).max(1) })),
    note: z.string().optional(),
  }),
  annotations: { readOnlyHint: true },
  async handler() { return { structured: { status: 'completed' as const, finished_at: null, items: [] }, text: '' }; },
});

describe('outputProblem', () => {
  const good = { status: 'completed', finished_at: '2026-12-05T10:00:00Z', items: [{ id: 'a', score: 0.5 }] };

  it('passes output that matches the listed schema', () => {
    expect(outputProblem(probe, good)).toBeUndefined();
    expect(outputProblem(probe, { ...good, finished_at: null, note: 'n' })).toBeUndefined();
  });

  it.each([
    ['a value outside the enum', { ...good, status: 'done' }, /status/],
    ['a missing required key', { status: 'completed', items: [] }, /finished_at/],
    ['a date-time that is not one', { ...good, finished_at: 'yesterday' }, /finished_at/],
    ['a nested number out of range', { ...good, items: [{ id: 'a', score: 2 }] }, /items\/0\/score/],
    ['a key the schema does not list (clients see additionalProperties: false)', { ...good, extra: 1 }, /additional/],
  ])('names %s', (_what, output, problem) => {
    expect(outputProblem(probe, output)).toMatch(problem);
  });

  it('checks against exactly the schema tools/list shows', () => {
    const listed = outputJsonSchema(probe);
    expect(listed).toBe(outputJsonSchema(probe)); // converted once
    expect(listed).toMatchObject({ additionalProperties: false, required: ['status', 'finished_at', 'items'] });
  });

  it('compiles the output schema of every tool the gateway serves', () => {
    for (const tool of TOOLS) expect(() => outputProblem(tool, { unlisted: true }), tool.name).not.toThrow();
  });
});
