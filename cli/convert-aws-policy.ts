// `convert-aws-policy IN.json`: converts an AWS Organizations tag policy (a policy document, an
// effective policy, or DescribePolicy's JSON output) to our policy format on stdout, like the
// peer's convert_aws_policy script. Offline: no config, AWS or database is needed.
import { readFile } from 'node:fs/promises';
import { convertAwsOrgTagPolicy, describeUnsupported, mergeTagPolicies } from '../core/policy/index.js';

export const CONVERT_USAGE = 'usage: finops-tag-compliance convert-aws-policy IN.json > OUT.json   (IN "-" reads stdin)';

export async function runConvertAwsPolicy(args: string[], out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WritableStream = process.stderr, now: () => Date = () => new Date()): Promise<void> {
  const files = args.filter((a) => a !== '--');
  if (files.length !== 1) throw new Error(CONVERT_USAGE);
  const input = files[0]!;
  const text = input === '-' ? await readStdin() : await readFile(input, 'utf8').catch((e: NodeJS.ErrnoException) => {
    throw new Error(`cannot read ${input}: ${e.code ?? e.message}`);
  });
  const { policyId, content } = unwrap(text, input);
  const merged = mergeTagPolicies([{ policyId, content }]);
  const policy = convertAwsOrgTagPolicy(merged.policy, { lastUpdated: now().toISOString() });
  const note = describeUnsupported(merged.unsupported);
  if (note) err.write(`warning: ${note}\n`);
  out.write(`${JSON.stringify(policy, null, 2)}\n`);
}

/** DescribePolicy output (`aws organizations describe-policy`) carries the document as JSON text in Policy.Content. */
function unwrap(text: string, input: string): { policyId: string; content: unknown } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`${input}: not valid JSON (${(e as Error).message})`, { cause: e });
  }
  const policy = (json as { Policy?: { Content?: unknown; PolicySummary?: { Id?: string } } } | null)?.Policy;
  if (policy && typeof policy.Content === 'string') return { policyId: policy.PolicySummary?.Id ?? input, content: policy.Content };
  return { policyId: input, content: json };
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
