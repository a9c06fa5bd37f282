// A tool's structured output, checked before it is sent against the JSON Schema that tools/list
// gives clients: the schema clients validate it against, so what passes here passes there. The
// validators are compiled once per tool (Ajv, JSON Schema 2020-12 as zod emits it, with formats).
// A zod parse of the output did the same check but rebuilt every object of it: for a page of 50
// violations that was a third of all the memory a cached call allocated, and of its GC pauses.
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { z } from 'zod';
import type { ToolDefinition } from './context.js';

const ajv = new Ajv2020({ allErrors: false, strict: false });
(addFormats as unknown as (a: Ajv2020) => void)(ajv);

const jsonSchemas = new WeakMap<ToolDefinition, Record<string, unknown>>();
const validators = new WeakMap<ToolDefinition, ValidateFunction>();

/** The tool's output as JSON Schema (draft 2020-12, as the SDK emits it), converted once. */
export function outputJsonSchema(tool: ToolDefinition): Record<string, unknown> {
  let schema = jsonSchemas.get(tool);
  if (!schema) {
    schema = z.toJSONSchema(tool.outputSchema, { io: 'output' }) as Record<string, unknown>;
    jsonSchemas.set(tool, schema);
  }
  return schema;
}

/** Undefined when `structured` matches the tool's listed output schema, else what does not. */
export function outputProblem(tool: ToolDefinition, structured: unknown): string | undefined {
  let validate = validators.get(tool);
  if (!validate) {
    validate = ajv.compile(outputJsonSchema(tool));
    validators.set(tool, validate);
  }
  return validate(structured) ? undefined : ajv.errorsText(validate.errors, { dataVar: 'output' });
}
