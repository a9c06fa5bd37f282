// get_tagging_policy: the active tagging policy with its version, source and coverage.
import { z } from 'zod';
import { loadActivePolicy } from '../../store/policy-sync.js';
import { coveredResourceTypes } from '../../core/policy/index.js';
import { defineTool } from '../context.js';

const ruleSchema = z.object({
  name: z.string(),
  description: z.string().optional(),
  allowed_values: z.array(z.string()).nullable().optional(),
  validation_regex: z.string().nullable().optional(),
  applies_to: z.array(z.string()).optional(),
  severity: z.string().optional(),
}).loose();

export const getTaggingPolicy = defineTool({
  name: 'get_tagging_policy',
  title: 'Get tagging policy',
  description:
    'Returns the tagging policy that compliance checks evaluate against: required tags (with allowed values, ' +
    'validation regex and the resource types each applies to; an empty applies_to means every type), optional ' +
    'tags and naming rules, plus the policy version id, its hash and where it was loaded from. ' +
    'Call this first to explain a violation or before suggesting tag values. Takes no parameters.',
  inputSchema: z.object({}).strict(),
  outputSchema: z.object({
    version_id: z.number().int(),
    hash: z.string(),
    source: z.string(),
    resource_types: z.array(z.string()).describe('Resource types that at least one rule names explicitly'),
    applies_to_all_types: z.boolean().describe('True when some required tag applies to every resource type'),
    policy: z.object({
      required_tags: z.array(ruleSchema),
      optional_tags: z.array(ruleSchema).optional(),
      tag_naming_rules: z.record(z.string(), z.unknown()).optional(),
    }).loose(),
    sync: z.object({ status: z.string(), reason: z.string().nullable(), checked_at: z.string(), active_version_id: z.number().nullable() })
      .optional().describe('Policy sync from AWS Organizations: the last run, and why the active policy did or did not change'),
  }),
  annotations: { title: 'Get tagging policy', readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  async handler(ctx) {
    const loaded = await loadActivePolicy(ctx.store, ctx.config.policy.path);
    const s = loaded.sync;
    const types = coveredResourceTypes(loaded.policy);
    const appliesToAll = loaded.policy.required_tags.some((rule) => (rule.applies_to ?? []).length === 0);
    const required = loaded.policy.required_tags.map((rule) => rule.name);
    return {
      structured: {
        version_id: loaded.id,
        hash: loaded.hash,
        source: loaded.source,
        resource_types: types,
        applies_to_all_types: appliesToAll,
        policy: loaded.policy,
        ...(s ? { sync: { status: s.status, reason: s.reason, checked_at: s.checkedAt, active_version_id: s.activeVersionId } } : {}),
      },
      text: `Policy version ${loaded.id} (${loaded.source}): ${required.length} required tags (${required.join(', ')}), ` +
        `covering ${appliesToAll ? 'every resource type' : `${types.length} resource types`}.` +
        (s ? ` Policy sync: ${s.status} at ${s.checkedAt}${s.reason ? ` (${s.reason})` : ''}.` : ''),
    };
  },
});
