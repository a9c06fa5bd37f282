// The gateway's side of intent disambiguation (core/scope-intent.ts): before a scan starts, every
// region and resource type of the scope must exist and be covered by the active policy; otherwise
// the call is refused with the candidates, in the text and as `_meta.candidates`, and nothing is
// guessed or scanned.
import { z } from 'zod';
import { KNOWN_AWS_TYPES } from '../../core/aws/known-types.js';
import { AWS_REGIONS } from '../../core/aws/regions.js';
import { appliesToAllTypes, coveredResourceTypes } from '../../core/policy/index.js';
import {
  accountsNotAllowed, disambiguationText, targetsNotConfigured, unknownRegions, unresolvedTypes, type Disambiguation,
} from '../../core/scope-intent.js';
import type { ScanScope } from '../../core/scope.js';
import { loadActivePolicy } from '../../store/policy-sync.js';
import type { ToolContext } from '../context.js';
import { ToolError } from '../errors.js';

/** A refusal that names candidates; `_meta.candidates` carries them for clients that read structure. */
export class CandidatesRefusal extends ToolError {
  constructor(readonly disambiguation: Disambiguation, prefix?: string) {
    super(`${prefix ? `${prefix} ` : ''}${disambiguationText(disambiguation)}`, { candidates: disambiguation });
  }
}

/** The regions a scope may name: every AWS region, plus configured ones newer than that list. */
export function knownRegions(config: ToolContext['config']): string[] {
  return [...new Set([...AWS_REGIONS, ...(config.clouds.aws.regions ?? [])])].sort();
}

/** Refuses (CandidatesRefusal) a scope with a region that does not exist or a type the scanner or policy does not know. */
export async function assertScopeKnown(ctx: Pick<ToolContext, 'config' | 'store'>, scope: ScanScope): Promise<void> {
  if (scope.regions?.length) {
    const regions = unknownRegions(scope.regions, knownRegions(ctx.config));
    if (regions) throw new CandidatesRefusal(regions);
  }
  if (scope.resourceTypes.length === 1 && scope.resourceTypes[0] === 'all') return;
  const { policy } = await loadActivePolicy(ctx.store, ctx.config.policy.path).catch((err: unknown) => {
    // The scan would be judged against this policy: without it, which types it covers is unknown.
    throw new ToolError(`the active tagging policy cannot be read (${String((err as Error)?.message ?? err).slice(0, 300)}), so the ` +
      'resource types cannot be checked; fix policy.path / POLICY_PATH, or name resource_types ["all"]');
  });
  const types = unresolvedTypes(scope.resourceTypes, KNOWN_AWS_TYPES, {
    types: coveredResourceTypes(policy), appliesToAll: appliesToAllTypes(policy),
  });
  if (types) throw new CandidatesRefusal(types);
}

/** Accounts outside the allowed set: today's refusal, with the nearest allowed ids as candidates. */
export function accountsRefusal(message: string, outside: string[], allowed: string[]): ToolError {
  const d = accountsNotAllowed(outside, allowed);
  if (!d) return new ToolError(message);
  const near = d.unresolved.filter((u) => u.did_you_mean.length);
  const hint = near.length ? ` Did you mean ${near.map((u) => `${u.did_you_mean.join(' or ')} (for ${u.value})`).join('; ')}?` : '';
  const listed = d.valid.accounts ? ` Allowed: ${d.valid.accounts.values.join(', ')}.` : '';
  return new ToolError(`${message}.${hint}${listed} Ask the user which account they meant; nothing was scanned.`, { candidates: d });
}

/** Azure subscriptions or GCP scopes outside the configured ones: today's refusal, with the nearest configured ones. */
export function targetsRefusal(message: string, field: 'subscriptions' | 'gcp_scopes', outside: string[], configured: string[]): ToolError {
  const d = targetsNotConfigured(field, outside, configured);
  if (!d) return new ToolError(message);
  const near = d.unresolved.filter((u) => u.did_you_mean.length);
  const hint = near.length ? ` Did you mean ${near.map((u) => `${u.did_you_mean.join(' or ')} (for ${u.value})`).join('; ')}?` : '';
  return new ToolError(`${message}.${hint} Ask the user which one they meant; nothing was scanned.`, { candidates: d });
}

/**
 * A region that is not even shaped like one (`us-east1`, `useast`) fails the scope schema; this
 * turns that failure into the same candidates refusal. Undefined for any other schema failure.
 */
export function malformedRegionRefusal(err: z.ZodError, input: { regions?: string[]; filters?: { region?: string } }, config?: ToolContext['config'])
  : CandidatesRefusal | undefined {
  const bad = new Set<string>();
  for (const issue of err.issues) {
    const [head, index] = issue.path;
    if (head === 'regions' && typeof index === 'number' && input.regions?.[index] !== undefined) bad.add(input.regions[index]);
    if (head === 'filters' && index === 'region' && input.filters?.region !== undefined) bad.add(input.filters.region);
  }
  if (!bad.size) return undefined;
  const d = unknownRegions([...bad], config ? knownRegions(config) : [...AWS_REGIONS]);
  return d ? new CandidatesRefusal(d) : undefined;
}
