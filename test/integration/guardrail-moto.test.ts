// The guardrail tools on a real scan (Temporal dev server, PostgreSQL, moto seeded with an
// organisation, the worker as its own process), and the AWS artefacts handed to the APIs that take
// them, as moto implements them: PutConfigRule checks REQUIRED_TAGS' parameters against the managed
// rule's definition (tag1Key..tag6Key), Organizations stores the tag policy, which our importer then
// reads back to the policy the scan used.
import { readFile } from 'node:fs/promises';
import { CreateOrganizationCommand, CreatePolicyCommand, DescribePolicyCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { Client, Connection } from '@temporalio/client';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type StoreHandle } from '../../cli/runtime.js';
import { createLogger } from '../../config/logger.js';
import { convertAwsOrgTagPolicy, parsePolicyJson } from '../../core/policy/index.js';
import { generateConfigRules } from '../../core/remediation/config-rules.js';
import { emptyDigest } from '../../core/remediation/config-rules-policy.js';
import type { ToolContext } from '../../mcp-gateway/context.js';
import { generateConfigRulesTool } from '../../mcp-gateway/tools/generate-config-rules.js';
import { generateTerraformPolicyTool } from '../../mcp-gateway/tools/generate-terraform-policy.js';
import { SEEDED_TYPES } from '../support/aws-seed.js';
import { cfnLint, hclResources, parseHcl } from '../support/guardrail-engines.js';
import { MOTO_CREDENTIALS } from '../support/moto.js';
import { startMotoStack, type MotoStack } from '../support/moto-stack.js';

interface ConfigRuleResource {
  Properties: { ConfigRuleName: string; Description: string; Source: object; InputParameters: Record<string, string>; Scope?: object };
}

/** AWS Config's JSON protocol, as the SDK would send it (moto reads the target and the signing region). */
async function configApi(endpoint: string, action: string, body: unknown): Promise<{ status: number; json: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const res = await fetch(endpoint, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-amz-json-1.1',
      'X-Amz-Target': `StarlingDoveService.${action}`,
      Authorization: `AWS4-HMAC-SHA256 Credential=${MOTO_CREDENTIALS.accessKeyId}/20260101/us-east-1/config/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: await res.json().catch(() => null) };
}

const putRule = (endpoint: string, rule: ConfigRuleResource) => configApi(endpoint, 'PutConfigRule', {
  ConfigRule: { ...rule.Properties, InputParameters: JSON.stringify(rule.Properties.InputParameters) },
});

describe('guardrail artefacts from a moto scan', () => {
  let stack: MotoStack;
  let store: StoreHandle;
  let temporal: Client;
  let ctx: ToolContext;

  beforeAll(async () => {
    stack = await startMotoStack({ name: 'guardrails' });
    store = await openStore(stack.config, createLogger('silent'));
    temporal = new Client({ connection: await Connection.connect({ address: stack.temporalServer.address }) });
    ctx = { config: stack.config, store: store.store, temporal, logger: createLogger('silent'), correlationId: 'test', progress: async () => {} };
  });

  afterAll(async () => {
    await temporal?.connection.close();
    await store?.close();
    await stack?.stop();
  });

  const scope = () => ({ resource_types: [...SEEDED_TYPES], accounts: stack.org.accounts, regions: stack.org.regions, wait_seconds: 240 });

  it('scans, then writes Config rules that cfn-lint and AWS Config (moto) accept', async () => {
    const out = await generateConfigRulesTool.handler(ctx, generateConfigRulesTool.inputSchema.parse({ ...scope(), cloud: 'aws', format: 'yaml' }));
    const s = out.structured;
    expect(s.status).toBe('completed');
    const violating = stack.org.resources.filter((r) => !r.expectedCompliant);
    expect(s.violating_resources).toBe(violating.length);

    const lint = await cfnLint(s.aws_cloudformation!, 'yaml');
    expect(lint.stdout + lint.stderr).toBe('');
    const rules = Object.values(parseYaml(s.aws_cloudformation!, { version: '1.1' }).Resources as Record<string, ConfigRuleResource>);
    // scan-policy.json: three required tags on the same six types, so one rule; lambda is not a type REQUIRED_TAGS evaluates.
    expect(rules).toHaveLength(1);
    expect(s.warnings).toContainEqual(expect.objectContaining({ cloud: 'aws', message: expect.stringContaining('lambda:function') }));
    for (const rule of rules) {
      const put = await putRule(stack.moto.endpoint, rule);
      expect(put.status, JSON.stringify(put.json)).toBe(200);
    }
    const described = await configApi(stack.moto.endpoint, 'DescribeConfigRules', {});
    expect(described.json.ConfigRules.map((r: { ConfigRuleName: string }) => r.ConfigRuleName).sort())
      .toEqual(rules.map((r) => r.Properties.ConfigRuleName).sort());
  }, 300_000);

  it('splits 13 required keys into rules AWS Config accepts, where one 7-key rule is refused', async () => {
    const policy = parsePolicyJson(JSON.stringify({
      version: '1', required_tags: Array.from({ length: 13 }, (_, i) => ({ name: `Key${i}`, allowed_values: [`a${i}`, `b${i}`] })),
    }));
    const template = generateConfigRules(policy, emptyDigest(), { clouds: ['aws'], dryRun: true, format: 'json', namePrefix: 'split' }).aws!.template;
    const rules = Object.values(JSON.parse(template).Resources as Record<string, ConfigRuleResource>);
    expect(rules).toHaveLength(3);
    for (const rule of rules) expect((await putRule(stack.moto.endpoint, rule)).status).toBe(200);
    // The control: the managed rule has no tag7Key, so an unsplit rule fails.
    const unsplit = structuredClone(rules[0]!);
    unsplit.Properties.ConfigRuleName = 'unsplit';
    unsplit.Properties.InputParameters.tag7Key = 'Key12';
    const refused = await putRule(stack.moto.endpoint, unsplit);
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.json)).toContain('tag7Key');
  });

  it('writes a Terraform tag policy that Organizations stores and our importer reads back to the scan\'s policy', async () => {
    const out = await generateTerraformPolicyTool.handler(ctx,
      generateTerraformPolicyTool.inputSchema.parse({ ...scope(), cloud: 'aws', dry_run: false }));
    const doc = await parseHcl(out.structured.terraform!);
    const [tagPolicy] = [...hclResources(doc, 'aws_organizations_policy').values()];
    expect(tagPolicy!.type).toBe('TAG_POLICY');

    const org = new OrganizationsClient({ endpoint: stack.moto.endpoint, region: 'us-east-1', credentials: MOTO_CREDENTIALS });
    try {
      await org.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
      const created = await org.send(new CreatePolicyCommand({
        Name: tagPolicy!.name as string, Description: tagPolicy!.description as string, Type: 'TAG_POLICY', Content: tagPolicy!.content as string,
      }));
      const stored = await org.send(new DescribePolicyCommand({ PolicyId: created.Policy!.PolicySummary!.Id! }));
      const back = convertAwsOrgTagPolicy(stored.Policy!.Content!);
      const scanned = parsePolicyJson(await readFile(stack.env.POLICY_PATH!, 'utf8'));
      expect(back.required_tags.map((t) => [t.name, t.allowed_values, [...t.applies_to].sort()]))
        .toEqual(scanned.required_tags.map((t) => [t.name, t.allowed_values, [...t.applies_to].sort()]));
      // A regex cannot be a tag policy: said, not silently dropped.
      expect(out.structured.warnings!.filter((w) => w.message.includes('validation_regex')).map((w) => w.tag).sort()).toEqual(['CostCenter', 'Owner']);
    } finally {
      org.destroy();
    }
  });
});
