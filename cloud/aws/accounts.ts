// The allowed-account set, read from AWS: the configured accounts, else AWS Organizations'
// active accounts (ListAccounts, paged), else the caller's own account when it is in no
// organisation (or may not list it). The worker's account plan and the gateway both use it.
import { ListAccountsCommand } from '@aws-sdk/client-organizations';
import { configuredAccounts, type AllowedAccounts } from '../../core/allowed-accounts.js';
import { HOME_REGION } from '../../core/aws/resource-types.js';
import type { AwsClients } from './clients.js';
import { toActivityFailure } from './errors.js';

const NO_ORGANIZATION = ['AWSOrganizationsNotInUseException', 'AccessDeniedException', 'AccessDenied'];

export async function resolveAllowedAccounts(clients: AwsClients, configured?: string[]): Promise<AllowedAccounts> {
  const fromConfig = configuredAccounts(configured);
  if (fromConfig) return fromConfig;
  const home = await clients.sessions.homeAccount();
  const org = clients.client('organizations', home, HOME_REGION);
  const accounts: string[] = [];
  let NextToken: string | undefined;
  try {
    do {
      const out = await org.send(new ListAccountsCommand({ NextToken }));
      for (const a of out.Accounts ?? []) {
        // Suspended and closing accounts are neither scanned nor reachable on request.
        const state = (a as { State?: string }).State ?? a.Status;
        if (a.Id && state === 'ACTIVE') accounts.push(a.Id);
      }
      NextToken = out.NextToken;
    } while (NextToken);
  } catch (err) {
    const name = (err as Error).name;
    if (NO_ORGANIZATION.includes(name)) return { accounts: [home], source: 'caller', note: name };
    throw toActivityFailure(err, 'organizations:ListAccounts');
  }
  // An organisation always lists its management account; an empty answer (moto, a stub) means none.
  if (accounts.length === 0) return { accounts: [home], source: 'caller', note: 'ListAccounts returned no accounts' };
  return { accounts: accounts.sort(), source: 'organizations' };
}
