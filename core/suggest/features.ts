// The signals a suggestion is learned from, as feature strings `group:value`: where the resource
// is (account, region, VPC, subnet, security groups), what it is (type), what it is called (name
// and id tokens) and the other tags it carries (Application=X usually comes with Owner=Y).
import type { ScanResourceRow } from '../scan.js';
import { namedPartOfId, tokensOf } from './tokens.js';

/** A resource as the suggester sees it: the fields of a stored scan row it learns from. */
export type SuggestSubject = Pick<ScanResourceRow, 'resourceId' | 'cloud' | 'account' | 'region' | 'resourceType' | 'name' | 'tags' | 'context'>;

export const FEATURE_GROUPS = ['account', 'region', 'type', 'vpc', 'subnet', 'sg', 'token', 'tag'] as const;
export type FeatureGroup = (typeof FEATURE_GROUPS)[number];

/**
 * How much each group counts. Correlated signals (a name token and the VPC often say the same
 * thing) are double counted by naive Bayes; calibration corrects the confidence, these weights
 * only keep broad groups (region, type) from outvoting specific ones.
 */
export const GROUP_WEIGHTS: Readonly<Record<FeatureGroup, number>> = {
  account: 1, region: 0.3, type: 0.3, vpc: 1, subnet: 0.7, sg: 0.7, token: 1, tag: 1,
};

/** Groups that make another resource a neighbour: sharing only a region or a type does not. */
export const NEIGHBOUR_GROUPS: ReadonlySet<FeatureGroup> = new Set(['account', 'vpc', 'subnet', 'sg', 'token', 'tag']);

/** Tag keys never used as signals: a Name is already read as tokens, and is unique anyway. */
const IGNORED_TAG_KEYS = new Set(['name']);
/** Longer tag values are free text (descriptions), not categories. */
const MAX_TAG_VALUE = 64;

export interface SubjectFeatures {
  /** Features other than tags, for any key. */
  base: string[];
  /** [lowercased key, feature] of each usable tag, so one key's own tag can be left out. */
  tags: [string, string][];
}

export function featureGroup(feature: string): FeatureGroup {
  return feature.slice(0, feature.indexOf(':')) as FeatureGroup;
}

export function subjectFeatures(subject: SuggestSubject, extraTexts: string[] = []): SubjectFeatures {
  const base = [`account:${subject.account}`, `region:${subject.region}`, `type:${subject.resourceType}`];
  const context = subject.context;
  if (context?.vpc) base.push(`vpc:${context.vpc}`);
  if (context?.subnet) base.push(`subnet:${context.subnet}`);
  for (const group of new Set(context?.securityGroups ?? [])) base.push(`sg:${group}`);
  for (const token of tokensOf(subject.name, namedPartOfId(subject.resourceId), ...extraTexts)) base.push(`token:${token}`);
  const tags: [string, string][] = [];
  for (const [key, value] of Object.entries(subject.tags)) {
    const lower = key.toLowerCase();
    if (IGNORED_TAG_KEYS.has(lower) || value.trim() === '' || value.length > MAX_TAG_VALUE) continue;
    tags.push([lower, `tag:${lower}=${value}`]);
  }
  return { base, tags };
}

/** The features for predicting one tag: every signal except the tag itself (under any of its keys). */
export function featuresFor(features: SubjectFeatures, ownKeys: ReadonlySet<string>): string[] {
  const out = features.base.slice();
  for (const [key, feature] of features.tags) if (!ownKeys.has(key)) out.push(feature);
  return out;
}

/** A feature as evidence reads it: "in vpc-123", "whose name contains \"checkout\"". */
export function describeFeature(feature: string): string {
  const group = featureGroup(feature);
  const value = feature.slice(group.length + 1);
  switch (group) {
    case 'account': return `in account ${value}`;
    case 'region': return `in region ${value}`;
    case 'type': return `of type ${value}`;
    case 'vpc': return `in ${value}`;
    case 'subnet': return `in subnet ${value}`;
    case 'sg': return `with security group ${value}`;
    case 'token': return `whose name or id contains "${value}"`;
    case 'tag': return `tagged ${value}`;
  }
}
