// The Azure clients of one worker, built once from config clouds.azure: a credential (a service
// principal's secret, or DefaultAzureCredential when asked for), ARM clients per subscription and
// the tenant's subscription list. Every request is counted per API for the scan's call totals.
import { readFileSync } from 'node:fs';
import { ResourceManagementClient } from '@azure/arm-resources';
import { SubscriptionClient } from '@azure/arm-resources-subscriptions';
import type { TokenCredential } from '@azure/core-auth';
import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import { ClientSecretCredential, DefaultAzureCredential } from '@azure/identity';
import { CallBudgets, UNLIMITED } from '../call-budget.js';
import { countCall } from '../call-count.js';

/** What the Azure clients need from config clouds.azure (the schema's output satisfies it). */
export interface AzureClientSettings {
  subscriptions?: string[];
  tenantId?: string;
  clientId?: string;
  clientSecret?: string;
  useDefaultCredential?: boolean;
  endpoint?: string;
  authorityHost?: string;
  caFile?: string;
  maxConcurrentShards?: number;
  sdkMaxRetries?: number;
  /** ARM calls per second (and burst) per subscription; unset or 0: unlimited. */
  callsPerSecondPerSubscription?: number;
  callBurst?: number;
}

export interface AzureClients {
  /** Absent: no credential configured; `missing` says what to set. */
  credential?: TokenCredential;
  missing?: string;
  resources(subscriptionId: string): ResourceManagementClient;
  subscriptions(): SubscriptionClient;
  /** The process's ARM call budgets, by subscription (`tenant` for the subscription list). */
  budgets: CallBudgets;
}

export const AZURE_CREDENTIAL_HELP = 'set clouds.azure.tenantId, clientId and clientSecret (AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET) '
  + 'for a service principal with Reader on the subscriptions, or clouds.azure.useDefaultCredential (AZURE_USE_DEFAULT_CREDENTIAL=true)';

/** `arm:<what>` from the request path (`resources`, `resourcegroups`, `subscriptions`, `tags` …). */
function apiOf(url: string): string {
  const segments = new URL(url).pathname.toLowerCase().split('/').filter(Boolean);
  if (segments.at(-2) === 'tags' && segments.at(-1) === 'default') return 'arm:tags';
  return `arm:${segments.at(-1) ?? 'root'}`;
}

const countingPolicy: PipelinePolicy = {
  name: 'finopsCountCalls',
  sendRequest: (request, next) => {
    countCall(apiOf(request.url));
    return next(request);
  },
};

/** Every attempt (the policy sits per retry) waits for a token of the subscription's bucket. */
function budgetPolicy(budgets: CallBudgets, key: string): PipelinePolicy {
  return {
    name: 'finopsCallBudget',
    sendRequest: async (request, next) => {
      await budgets.take(key);
      return next(request);
    },
  };
}

function credentialFrom(settings: AzureClientSettings, ca: string | undefined): { credential?: TokenCredential; missing?: string } {
  const tlsOptions = ca ? { ca } : undefined;
  const authority = settings.authorityHost ? { authorityHost: settings.authorityHost } : {};
  const { tenantId, clientId, clientSecret } = settings;
  if (tenantId && clientId && clientSecret) {
    return {
      credential: new ClientSecretCredential(tenantId, clientId, clientSecret, {
        ...authority,
        // A custom authority (a sovereign cloud's, a test's) is not in Entra's public discovery list.
        ...(settings.authorityHost ? { disableInstanceDiscovery: true } : {}),
        ...(tlsOptions ? { tlsOptions } : {}),
      }),
    };
  }
  if (settings.useDefaultCredential) return { credential: new DefaultAzureCredential({ ...authority, ...(tlsOptions ? { tlsOptions } : {}) }) };
  const partial = [tenantId && 'tenantId', clientId && 'clientId', clientSecret && 'clientSecret'].filter(Boolean);
  return { missing: partial.length ? `Azure credentials incomplete (only ${partial.join(', ')} set): ${AZURE_CREDENTIAL_HELP}` : `no Azure credentials configured: ${AZURE_CREDENTIAL_HELP}` };
}

export function azureClientsFrom(settings: AzureClientSettings): AzureClients {
  const ca = settings.caFile ? readFileSync(settings.caFile, 'utf8') : undefined;
  const { credential, missing } = credentialFrom(settings, ca);
  const budgets = new CallBudgets(settings.callsPerSecondPerSubscription
    ? { callsPerSecond: settings.callsPerSecondPerSubscription, burst: settings.callBurst ?? 1 } : UNLIMITED);
  // ARM throttles reads per subscription (and principal): each client gets its subscription's bucket.
  const options = (budgetKey: string) => ({
    ...(settings.endpoint ? { endpoint: settings.endpoint.replace(/\/+$/, '') } : {}),
    ...(ca ? { tlsOptions: { ca } } : {}),
    retryOptions: { maxRetries: settings.sdkMaxRetries ?? 3 },
    additionalPolicies: [
      { policy: countingPolicy, position: 'perRetry' as const },
      ...(budgets.enabled ? [{ policy: budgetPolicy(budgets, budgetKey), position: 'perRetry' as const }] : []),
    ],
  });
  const noCredential = (): never => {
    throw new Error(missing ?? 'no Azure credential');
  };
  const byId = new Map<string, ResourceManagementClient>();
  let subscriptionClient: SubscriptionClient | undefined;
  return {
    credential,
    missing,
    budgets,
    resources(subscriptionId) {
      if (!credential) return noCredential();
      let client = byId.get(subscriptionId);
      if (!client) byId.set(subscriptionId, client = new ResourceManagementClient(credential, subscriptionId, options(subscriptionId)));
      return client;
    },
    subscriptions() {
      if (!credential) return noCredential();
      return subscriptionClient ??= new SubscriptionClient(credential, options('tenant'));
    },
  };
}
