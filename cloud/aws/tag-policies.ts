// AWS Organizations tag policies: list the TAG_POLICY policies, fetch one, and collect the
// policies attached along an account's path (root, OUs, the account) in inheritance order, so
// core/policy/effective.ts can merge them. Errors keep our own words; a denied call names the
// IAM actions this module needs and the policy that grants them.
import {
  DescribePolicyCommand, ListParentsCommand, ListPoliciesCommand, ListPoliciesForTargetCommand,
  type OrganizationsClient, type PolicySummary,
} from '@aws-sdk/client-organizations';
import type { TagPolicyLayer } from '../../core/policy/index.js';
import { awsCall, describeAwsError } from './errors.js';

/** Every Organizations action the import and the sync use. */
export const TAG_POLICY_IAM_ACTIONS = [
  'organizations:ListPolicies',
  'organizations:DescribePolicy',
  'organizations:ListPoliciesForTarget',
  'organizations:ListParents',
] as const;

/** The identity policy that grants them (Organizations has no resource-level scoping worth the trouble here). */
export const TAG_POLICY_IAM_POLICY = {
  Version: '2012-10-17',
  Statement: [{ Sid: 'ReadTagPolicies', Effect: 'Allow', Action: [...TAG_POLICY_IAM_ACTIONS], Resource: '*' }],
};

export interface TagPolicySummary {
  id: string;
  name: string;
  description?: string;
  arn?: string;
  awsManaged: boolean;
}

export interface TagPolicyDocument extends TagPolicySummary {
  /** The policy JSON text, as Organizations stores it. */
  content: string;
}

/** Why a tag policy could not be read, in words safe for replies. */
export class TagPolicyAccessError extends Error {
  override name = 'TagPolicyAccessError';
  constructor(
    /** AccessDenied, NotInOrganization, PolicyNotFound, or describeAwsError's type. */
    readonly type: string,
    message: string,
    /** For AccessDenied: the action refused and the policy that grants every action needed. */
    readonly missingActions: string[] = [],
    readonly detail?: string,
  ) {
    super(message);
  }
}

const NOT_IN_ORG = new Set(['AWSOrganizationsNotInUseException', 'AccessDeniedForDependencyException']);
const NOT_FOUND = new Set(['PolicyNotFoundException', 'TargetNotFoundException', 'ChildNotFoundException', 'InvalidInputException']);

/** Runs one Organizations call and turns its failure into a TagPolicyAccessError. */
async function orgCall<T>(operation: (typeof TAG_POLICY_IAM_ACTIONS)[number], call: () => Promise<T>): Promise<T> {
  try {
    return await awsCall({ service: 'organizations', operation: operation.split(':')[1] }, call);
  } catch (err) {
    const info = describeAwsError(err);
    const name = (err as { name?: string }).name ?? '';
    if (info.type === 'AccessDenied') {
      throw new TagPolicyAccessError('AccessDenied',
        `access denied to ${operation}. Grant the caller ${TAG_POLICY_IAM_ACTIONS.join(', ')} with this IAM policy: ` +
        JSON.stringify(TAG_POLICY_IAM_POLICY), [operation], info.detail);
    }
    if (NOT_IN_ORG.has(name)) {
      throw new TagPolicyAccessError('NotInOrganization',
        'this account is not the management (or delegated administrator) account of an organization with all features enabled',
        [], info.detail);
    }
    if (NOT_FOUND.has(name)) throw new TagPolicyAccessError('PolicyNotFound', `${operation.split(':')[1]}: ${name}`, [], info.detail);
    throw new TagPolicyAccessError(info.type, info.message, [], info.detail);
  }
}

function summary(p: PolicySummary): TagPolicySummary {
  return {
    id: p.Id ?? '', name: p.Name ?? '', awsManaged: p.AwsManaged ?? false,
    ...(p.Description ? { description: p.Description } : {}), ...(p.Arn ? { arn: p.Arn } : {}),
  };
}

export async function listTagPolicies(client: OrganizationsClient): Promise<TagPolicySummary[]> {
  const out: TagPolicySummary[] = [];
  let token: string | undefined;
  do {
    const page = await orgCall('organizations:ListPolicies',
      () => client.send(new ListPoliciesCommand({ Filter: 'TAG_POLICY', NextToken: token })));
    out.push(...(page.Policies ?? []).map(summary));
    token = page.NextToken;
  } while (token);
  return out;
}

export async function describeTagPolicy(client: OrganizationsClient, policyId: string): Promise<TagPolicyDocument> {
  const { Policy } = await orgCall('organizations:DescribePolicy', () => client.send(new DescribePolicyCommand({ PolicyId: policyId })));
  const s = Policy?.PolicySummary;
  if (!s || Policy?.Content === undefined) throw new TagPolicyAccessError('PolicyNotFound', `policy ${policyId} has no content`);
  if (s.Type && s.Type !== 'TAG_POLICY') {
    throw new TagPolicyAccessError('PolicyNotFound', `policy ${policyId} is a ${s.Type}, not a TAG_POLICY`);
  }
  return { ...summary(s), content: Policy.Content };
}

/** Tag policies attached directly to a root, OU or account. */
export async function tagPoliciesAttachedTo(client: OrganizationsClient, targetId: string): Promise<TagPolicySummary[]> {
  const out: TagPolicySummary[] = [];
  let token: string | undefined;
  do {
    const page = await orgCall('organizations:ListPoliciesForTarget',
      () => client.send(new ListPoliciesForTargetCommand({ TargetId: targetId, Filter: 'TAG_POLICY', NextToken: token })));
    out.push(...(page.Policies ?? []).map(summary));
    token = page.NextToken;
  } while (token);
  return out;
}

/** The target and its ancestors, root first: [root, ou-…, …, target]. */
export async function pathFromRoot(client: OrganizationsClient, targetId: string): Promise<string[]> {
  const path = [targetId];
  // An organisation nests OUs at most five deep; the bound only guards against a cycle in a broken emulator.
  for (let depth = 0; depth < 10 && !path[0]!.startsWith('r-'); depth++) {
    const { Parents } = await orgCall('organizations:ListParents', () => client.send(new ListParentsCommand({ ChildId: path[0]! })));
    const parent = Parents?.[0]?.Id;
    if (!parent) break;
    path.unshift(parent);
  }
  return path;
}

/** The tag policies that apply to `targetId`, in the order AWS inherits them, with their content. */
export async function inheritedTagPolicies(client: OrganizationsClient, targetId: string): Promise<TagPolicyLayer[]> {
  const layers: TagPolicyLayer[] = [];
  for (const node of await pathFromRoot(client, targetId)) {
    for (const attached of await tagPoliciesAttachedTo(client, node)) {
      const doc = await describeTagPolicy(client, attached.id);
      layers.push({ policyId: doc.id, targetId: node, content: doc.content });
    }
  }
  return layers;
}
