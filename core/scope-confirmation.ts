// When a scan is broad enough that the caller must confirm it first (every resource type in every
// allowed account, more than one of them), and the question that asks: the plan's accounts (a
// capped list and the count), its regions and its types, in words and as fields.
import type { AllowedSource } from './allowed-accounts.js';
import type { ScanScope } from './scope.js';

/** Accounts named in the question; the rest are counted. */
export const QUESTION_ACCOUNTS_SHOWN = 10;

/**
 * Whether the scope asks for every resource type (`["all"]`, or none) in every allowed account,
 * no account named, and more than one account is allowed. `allowedAccountCount` undefined (the
 * gateway cannot tell the allowed set, e.g. without AWS clients) asks nothing: the plan could not
 * be described, and the worker's plan still bounds the scan to the allowed set.
 */
export function needsConfirmation(scope: Pick<ScanScope, 'accounts' | 'resourceTypes'>, allowedAccountCount: number | undefined): boolean {
  const everyType = scope.resourceTypes.length === 0 || scope.resourceTypes.includes('all');
  const everyAccount = !scope.accounts || scope.accounts.length === 0;
  return everyType && everyAccount && allowedAccountCount !== undefined && allowedAccountCount > 1;
}

export interface ScopePlanInput {
  /** The tool that would start the scan. */
  tool: string;
  scope: Pick<ScanScope, 'regions' | 'resourceTypes'>;
  /** The allowed accounts the scan would cover, and where that set comes from. */
  allowedAccounts: readonly string[];
  accountSource?: AllowedSource;
  /** Regions configured for scopes that name none (aws.regions); unset: every opted-in region. */
  configuredRegions?: readonly string[];
}

export interface ScopeQuestion {
  /** One paragraph for a person: what would be scanned and how to confirm or narrow it. */
  message: string;
  plan: {
    tool: string;
    account_count: number;
    /** The first QUESTION_ACCOUNTS_SHOWN accounts, sorted. */
    accounts: string[];
    accounts_not_shown: number;
    account_source?: AllowedSource;
    /** The regions named or configured; undefined: every opted-in region of each account. */
    regions?: string[];
    /** `['all']`: every resource type the scanner reads. */
    resource_types: string[];
  };
}

const SOURCE_WORDS: Record<AllowedSource, string> = {
  config: 'configured in SCAN_ACCOUNTS',
  organizations: "the organisation's active accounts",
  caller: "the caller's own account",
};

export function scopeQuestion(input: ScopePlanInput): ScopeQuestion {
  const accounts = [...new Set(input.allowedAccounts)].sort();
  const shown = accounts.slice(0, QUESTION_ACCOUNTS_SHOWN);
  const regions = input.scope.regions?.length ? [...input.scope.regions]
    : input.configuredRegions?.length ? [...input.configuredRegions].sort() : undefined;
  const types = input.scope.resourceTypes.length === 0 || input.scope.resourceTypes.includes('all') ? ['all'] : [...input.scope.resourceTypes];

  const more = accounts.length - shown.length;
  const accountText = `${accounts.length} accounts${input.accountSource ? ` (${SOURCE_WORDS[input.accountSource]})` : ''}: ` +
    `${shown.join(', ')}${more > 0 ? ` and ${more} more` : ''}`;
  const regionText = regions ? `${regions.length === 1 ? 'region' : `${regions.length} regions`} ${regions.join(', ')}` : 'every opted-in region';
  const typeText = types[0] === 'all' ? 'every resource type' : `resource types ${types.join(', ')}`;
  const message = `${input.tool} would scan ${typeText} in all ${accountText}, across ${regionText}. ` +
    'Confirm to scan all of it, or narrow the scope with accounts (or filters.account_id) and resource_types.';

  return {
    message,
    plan: {
      tool: input.tool,
      account_count: accounts.length,
      accounts: shown,
      accounts_not_shown: more,
      ...(input.accountSource ? { account_source: input.accountSource } : {}),
      ...(regions ? { regions } : {}),
      resource_types: types,
    },
  };
}
