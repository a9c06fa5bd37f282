// The gateway's side of "which accounts a caller may reach": a scope or an ARN list naming an
// account outside the allowed set is refused before any workflow starts or any role is assumed.
// The worker's account plan enforces the same set again for callers that bypass the gateway.
import { resolveAllowedAccounts } from '../cloud/aws/accounts.js';
import type { AwsClients } from '../cloud/aws/clients.js';
import { accountsOutside, configuredAccounts, notAllowedMessage, type AllowedAccounts } from '../core/allowed-accounts.js';
import { parseArn } from '../core/aws/arn.js';
import type { ScanScope } from '../core/scope.js';
import type { ToolContext } from './context.js';
import { ToolError } from './errors.js';
import { accountsRefusal, assertScopeKnown } from './scans/known-scope.js';
import { assertCloudTargetsConfigured } from './scans/params.js';

/** The organisation changes rarely; a new account becomes reachable after at most this long. */
export const ALLOWED_ACCOUNTS_TTL_MS = 5 * 60_000;

const cached = new WeakMap<AwsClients, { until: number; value: Promise<AllowedAccounts> }>();

/**
 * The allowed set: configured accounts, else read through the gateway's AWS clients (cached).
 * Undefined for a gateway without AWS clients (embedded in tests): the worker's plan then decides.
 */
export async function allowedAccounts(ctx: Pick<ToolContext, 'config' | 'aws'>): Promise<AllowedAccounts | undefined> {
  const fromConfig = configuredAccounts(ctx.config.clouds.aws.accounts);
  if (fromConfig || !ctx.aws) return fromConfig;
  const hit = cached.get(ctx.aws);
  if (hit && hit.until > Date.now()) return hit.value;
  const value = resolveAllowedAccounts(ctx.aws);
  const entry = { until: Date.now() + ALLOWED_ACCOUNTS_TTL_MS, value };
  cached.set(ctx.aws, entry);
  // A failed lookup is not remembered: the next call asks AWS again.
  value.catch(() => { if (cached.get(ctx.aws!) === entry) cached.delete(ctx.aws!); });
  return value;
}

/** Refuses (ToolError) when any of `accounts` is outside the allowed set. */
export async function assertAccountsAllowed(ctx: Pick<ToolContext, 'config' | 'aws'>, accounts: Iterable<string>): Promise<void> {
  const requested = [...accounts];
  if (requested.length === 0) return;
  let allowed: AllowedAccounts | undefined;
  try {
    allowed = await allowedAccounts(ctx);
  } catch (err) {
    throw new ToolError(`could not read which accounts may be reached (${(err as Error).message.slice(0, 300)}); ` +
      'retry, or set SCAN_ACCOUNTS / clouds.aws.accounts to list them');
  }
  if (!allowed) return;
  const outside = accountsOutside(requested, allowed);
  // With the nearest allowed ids as candidates (a mistyped digit), never the whole organisation.
  if (outside.length) throw accountsRefusal(notAllowedMessage(outside, allowed), outside, allowed.accounts);
}

/**
 * A scope's accounts and regions within the configured caps, its regions and resource types known
 * (and covered by the policy), and its accounts within the allowed set; refusals name candidates.
 */
export async function assertScopeAllowed(ctx: Pick<ToolContext, 'config' | 'aws' | 'store'>, scope: ScanScope): Promise<void> {
  const { maxAccountsPerCall, maxRegionsPerCall } = ctx.config.gateway;
  if ((scope.accounts?.length ?? 0) > maxAccountsPerCall) {
    throw new ToolError(`at most ${maxAccountsPerCall} accounts per call (MAX_ACCOUNTS_PER_CALL), got ${scope.accounts!.length}: ` +
      'split the accounts, or name none to scan every allowed account');
  }
  if ((scope.regions?.length ?? 0) > maxRegionsPerCall) {
    throw new ToolError(`at most ${maxRegionsPerCall} regions per call (MAX_REGIONS_PER_CALL), got ${scope.regions!.length}: ` +
      'name fewer, or none to scan every opted-in region');
  }
  assertCloudTargetsConfigured(ctx.config.clouds, scope);
  await assertScopeKnown(ctx, scope);
  await assertAccountsAllowed(ctx, scope.accounts ?? []);
}

/** The 12-digit account ids the ARNs name; malformed ARNs are left to their per-item errors. */
export function accountsOfArns(arns: string[]): string[] {
  const accounts = new Set<string>();
  for (const arn of arns) {
    try {
      const { accountId } = parseArn(arn);
      if (/^\d{12}$/.test(accountId)) accounts.add(accountId);
    } catch {
      // reported per ARN by the live read
    }
  }
  return [...accounts];
}
