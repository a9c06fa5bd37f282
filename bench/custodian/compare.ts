// Reads what `c7n-org run` selected (<out>/<account name>/<region>/<policy>/resources.json) as
// ARNs, and sets it beside the resources our scan found non-compliant, with a reason for each
// difference the bench can name.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

/** The ARN of a resource record Custodian wrote, by the policy's resource. */
function arnOf(resource: string, r: Record<string, unknown>, account: string, region: string): string {
  switch (resource) {
    case 'aws.ec2': return `arn:aws:ec2:${region}:${account}:instance/${String(r.InstanceId)}`;
    case 'aws.ebs': return `arn:aws:ec2:${region}:${account}:volume/${String(r.VolumeId)}`;
    case 'aws.s3': return `arn:aws:s3:::${String(r.Name)}`;
    case 'aws.rds': return String(r.DBInstanceArn);
    case 'aws.lambda': return String(r.FunctionArn);
    case 'aws.dynamodb-table': return String(r.TableArn);
    default: throw new Error(`no ARN rule for ${resource}`);
  }
}

export interface CustodianSelection {
  /** ARN -> resource type, each resource once. */
  arns: Map<string, string>;
  /** Records selected more than once (the same resource from two regions' runs). */
  duplicates: number;
  /** Account/region/policy directories c7n-org wrote. */
  runs: number;
}

/** `accounts`: account name (as in the accounts file) -> account id; `policies`: policy name -> resource and our type. */
export async function readSelection(out: string, accounts: Map<string, string>,
  policies: Map<string, { resource: string; resourceType: string }>): Promise<CustodianSelection> {
  const arns = new Map<string, string>();
  let duplicates = 0;
  let runs = 0;
  for (const [name, account] of accounts) {
    const regions = await readdir(path.join(out, name)).catch(() => [] as string[]);
    for (const region of regions) {
      for (const [policyName, policy] of policies) {
        const file = path.join(out, name, region, policyName, 'resources.json');
        const text = await readFile(file, 'utf8').catch(() => undefined);
        if (text === undefined) continue;
        runs++;
        for (const record of JSON.parse(text) as Record<string, unknown>[]) {
          const arn = arnOf(policy.resource, record, account, region);
          if (arns.has(arn)) duplicates++;
          arns.set(arn, policy.resourceType);
        }
      }
    }
  }
  return { arns, duplicates, runs };
}

export interface Difference { arn: string; resourceType: string; side: 'only ours' | 'only Custodian'; reason: string }

/** Resources one side selected and the other did not, each with the reason found. */
export function differences(ours: Map<string, string>, custodian: Map<string, string>, scanned: Set<string>,
  covered: Set<string>): Difference[] {
  const out: Difference[] = [];
  for (const [arn, type] of ours) {
    if (custodian.has(arn)) continue;
    out.push({ arn, resourceType: type, side: 'only ours',
      reason: covered.has(type) ? 'Custodian\'s filters did not select it' : 'no Custodian resource for this type (not in the policy)' });
  }
  for (const [arn, type] of custodian) {
    if (ours.has(arn)) continue;
    out.push({ arn, resourceType: type, side: 'only Custodian',
      reason: scanned.has(arn) ? 'our scan judged it compliant' : 'our scan did not list it' });
  }
  return out;
}
