// import_aws_tag_policy (the peer's name and parameters): lists the organisation's tag policies,
// or fetches one, converts it to our policy format and records it as a policy version (source
// `aws-organizations:<id>`), optionally writing the JSON to a file under policies/. It does not
// make the version active: that is policySync's job (policy.source: aws-organizations), or the
// operator's, by pointing policy.path at the saved file.
import { constants } from 'node:fs';
import { lstat, mkdir, open, realpath } from 'node:fs/promises';
import nodePath from 'node:path';
import { z } from 'zod';
import { describeTagPolicy, listTagPolicies, TagPolicyAccessError } from '../../cloud/aws/tag-policies.js';
import { HOME_REGION } from '../../core/aws/resource-types.js';
import {
  convertAwsOrgTagPolicy, describeUnsupported, mergeTagPolicies, PolicyValidationError, TagPolicyMergeError,
} from '../../core/policy/index.js';
import { defineTool } from '../context.js';
import { ToolError } from '../errors.js';

/** The only directory save_to_file writes into, relative to the working directory (where policy.path resolves too). */
export const POLICIES_DIR = 'policies';

const unsupportedSchema = z.object({ policyId: z.string(), path: z.string(), name: z.string() });

export const importAwsTagPolicy = defineTool({
  name: 'import_aws_tag_policy',
  title: 'Import AWS Organizations tag policy',
  description:
    'Imports a tag policy from AWS Organizations. Call it first WITHOUT policy_id to list the TAG_POLICY policies ' +
    '(id, name, description). Then call it with a policy_id (p-…) to fetch that policy and convert it to this ' +
    "server's format: tag_key becomes the tag name, tag_value the allowed values (values with * become a regex), " +
    'enforced_for / report_required_tag_for make the tag required for those resource types. The result is stored ' +
    'as a new policy version (returned with its id and hash) but does NOT replace the active policy; policy sync ' +
    '(policy.source: aws-organizations) or pointing the policy path at the saved file does. With save_to_file ' +
    '(default true) the JSON is also written to output_path, which must be a .json file inside policies/.',
  inputSchema: z.object({
    policy_id: z.string().regex(/^p-[0-9a-zA-Z_]{8,128}$/, 'must be an Organizations policy id such as p-abcd1234').optional()
      .describe('The TAG_POLICY to import; omit to list them'),
    save_to_file: z.boolean().default(true).describe('Also write the converted policy to output_path'),
    output_path: z.string().min(1).max(255).default(`${POLICIES_DIR}/tagging_policy.json`)
      .describe('A .json path inside policies/, e.g. policies/tagging_policy.json'),
  }).strict(),
  outputSchema: z.object({
    policies: z.array(z.object({
      id: z.string(), name: z.string(), description: z.string().optional(), aws_managed: z.boolean(),
    })).optional().describe('Without policy_id: the TAG_POLICY policies of the organisation'),
    policy_id: z.string().optional(),
    name: z.string().optional(),
    version_id: z.number().int().optional().describe('The stored policy version (not made active by this call)'),
    hash: z.string().optional(),
    source: z.string().optional(),
    policy: z.record(z.string(), z.unknown()).optional().describe('The converted policy'),
    unsupported: z.array(unsupportedSchema).optional().describe('Operators in the AWS policy that were not applied'),
    saved_to: z.string().optional(),
  }),
  annotations: { title: 'Import AWS Organizations tag policy', readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  async handler(ctx, input) {
    const aws = ctx.aws;
    if (!aws) throw new ToolError('AWS access is not configured on this gateway, so AWS Organizations cannot be read.');
    // Checked before any AWS call: a refused path should cost nothing.
    const target = input.policy_id && input.save_to_file ? checkOutputPath(input.output_path) : undefined;
    const client = aws.client('organizations', await aws.sessions.homeAccount(), HOME_REGION);
    try {
      if (!input.policy_id) {
        const policies = await listTagPolicies(client);
        return {
          structured: { policies: policies.map((p) => ({ id: p.id, name: p.name, ...(p.description ? { description: p.description } : {}), aws_managed: p.awsManaged })) },
          text: policies.length === 0
            ? 'The organisation has no TAG_POLICY policies.'
            : `${policies.length} tag policies: ${policies.map((p) => `${p.id} (${p.name})`).join(', ')}. Call again with policy_id to import one.`,
        };
      }
      const doc = await describeTagPolicy(client, input.policy_id);
      // One policy on its own: @@append and @@remove resolve against nothing inherited.
      const merged = mergeTagPolicies([{ policyId: doc.id, content: doc.content }]);
      const policy = convertAwsOrgTagPolicy(merged.policy);
      const version = await ctx.store.savePolicyVersion({ source: `aws-organizations:${doc.id}`, document: policy });
      const savedTo = target ? await writeInsidePolicies(target, `${JSON.stringify(policy, null, 2)}\n`) : undefined;
      const note = describeUnsupported(merged.unsupported);
      return {
        structured: {
          policy_id: doc.id, name: doc.name, version_id: version.id, hash: version.hash, source: version.source,
          policy: policy as unknown as Record<string, unknown>, unsupported: merged.unsupported, ...(savedTo ? { saved_to: savedTo } : {}),
        },
        text: `Imported ${doc.id} (${doc.name}) as policy version ${version.id}: ${policy.required_tags.length} required and ` +
          `${policy.optional_tags.length} optional tags${savedTo ? `, saved to ${savedTo}` : ''}.` +
          `${note ? ` Note: ${note}.` : ''} It is not the active policy until policy sync or policy.path selects it.`,
      };
    } catch (err) {
      if (err instanceof TagPolicyAccessError) {
        ctx.logger.warn({ type: err.type, detail: err.detail, correlationId: ctx.correlationId }, 'AWS Organizations call failed');
        throw new ToolError(err.message);
      }
      if (err instanceof TagPolicyMergeError || err instanceof PolicyValidationError) {
        throw new ToolError(`policy ${input.policy_id} could not be converted: ${err.message}`);
      }
      throw err;
    }
  },
});

/**
 * The absolute path `outputPath` names, if it is a .json file inside policies/: relative, no NUL,
 * no `..` or absolute escape. Symlinks are checked when writing (they may change until then).
 */
export function checkOutputPath(outputPath: string, cwd: string = process.cwd()): string {
  if (outputPath.includes('\0')) throw new ToolError('output_path must not contain a NUL character');
  if (nodePath.isAbsolute(outputPath) || /^[a-zA-Z]:|^[\\/]/.test(outputPath)) {
    throw new ToolError(`output_path must be relative, inside ${POLICIES_DIR}/ (e.g. ${POLICIES_DIR}/tagging_policy.json)`);
  }
  const base = nodePath.resolve(cwd, POLICIES_DIR);
  const full = nodePath.resolve(cwd, outputPath.replace(/\\/g, '/'));
  const relative = nodePath.relative(base, full);
  if (!relative || relative.startsWith('..') || nodePath.isAbsolute(relative)) {
    throw new ToolError(`output_path must be inside ${POLICIES_DIR}/; ${JSON.stringify(outputPath)} is not`);
  }
  if (!full.endsWith('.json')) throw new ToolError('output_path must name a .json file');
  return full;
}

/** Writes `text` to `full` (from checkOutputPath), refusing symlinks that lead out of policies/. */
export async function writeInsidePolicies(full: string, text: string, cwd: string = process.cwd()): Promise<string> {
  const base = nodePath.resolve(cwd, POLICIES_DIR);
  await mkdir(nodePath.dirname(full), { recursive: true });
  const realBase = await realpath(base);
  const realDir = await realpath(nodePath.dirname(full));
  const inside = nodePath.relative(realBase, realDir);
  if (inside.startsWith('..') || nodePath.isAbsolute(inside)) {
    throw new ToolError(`output_path must be inside ${POLICIES_DIR}/; its directory leads elsewhere through a symbolic link`);
  }
  const existing = await lstat(full).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  if (existing && !existing.isFile()) throw new ToolError('output_path exists and is not a regular file (a symbolic link is refused)');
  // O_NOFOLLOW: a symlink swapped in after the check above fails the open instead of being followed.
  const handle = await open(full, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o644);
  try {
    await handle.writeFile(text, 'utf8');
  } finally {
    await handle.close();
  }
  return nodePath.relative(cwd, full);
}
