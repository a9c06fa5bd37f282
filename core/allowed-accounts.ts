// The accounts a caller may reach: configured ones, else the organisation's active accounts, else
// the caller's own account. Requests naming any other account are refused, with the set's size
// and how to change it, before any role is assumed into them.

export type AllowedSource = 'config' | 'organizations' | 'caller';

export interface AllowedAccounts {
  accounts: string[];
  source: AllowedSource;
  /** Why the caller's own account is all there is (e.g. AWSOrganizationsNotInUseException). */
  note?: string;
}

const SOURCE_TEXT: Record<AllowedSource, string> = {
  config: 'SCAN_ACCOUNTS / clouds.aws.accounts',
  organizations: "the organisation's active accounts",
  caller: "the caller's own account, outside any organisation",
};

/** The allowed set when accounts are configured (SCAN_ACCOUNTS / clouds.aws.accounts); undefined when none are. */
export function configuredAccounts(configured: string[] | undefined): AllowedAccounts | undefined {
  return configured?.length ? { accounts: [...new Set(configured)].sort(), source: 'config' } : undefined;
}

/** Requested accounts that are not allowed, sorted and de-duplicated. */
export function accountsOutside(requested: Iterable<string>, allowed: AllowedAccounts): string[] {
  const set = new Set(allowed.accounts);
  return [...new Set(requested)].filter((a) => !set.has(a)).sort();
}

/** e.g. `account 999999999999 is not in the allowed set (12 accounts: the organisation's active accounts); ...` */
export function notAllowedMessage(outside: string[], allowed: AllowedAccounts): string {
  const shown = outside.slice(0, 5).join(', ') + (outside.length > 5 ? ` and ${outside.length - 5} more` : '');
  const n = allowed.accounts.length;
  return `${outside.length === 1 ? 'account' : 'accounts'} ${shown} ${outside.length === 1 ? 'is' : 'are'} not in the allowed set ` +
    `(${n} ${n === 1 ? 'account' : 'accounts'}: ${SOURCE_TEXT[allowed.source]}); set SCAN_ACCOUNTS / clouds.aws.accounts to change it`;
}
