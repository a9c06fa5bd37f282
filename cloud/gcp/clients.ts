// The Cloud Asset client, built once per worker from config clouds.gcp. Credentials come from
// Application Default Credentials, resolved here first: left to the SDK, a missing credential
// surfaces as an unhandled rejection that ends the process, while here it is a typed failure.
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AssetServiceClient } from '@google-cloud/asset';
import { GoogleAuth, type AuthClient } from 'google-auth-library';
import { CallBudgets, UNLIMITED } from '../call-budget.js';
import { GcpCredentialsError, NO_CREDENTIALS_HINT } from './errors.js';

export interface GcpSettings {
  /** Scopes scanned: `organizations/N`, `folders/N`, `projects/P`. */
  scopes?: string[];
  /** Overrides for a local Cloud Asset endpoint (tests); unset: cloudasset.googleapis.com over https. */
  apiEndpoint?: string;
  port?: number;
  protocol?: 'http' | 'https';
  /** A service account key file instead of the ADC search (GOOGLE_APPLICATION_CREDENTIALS works too). */
  keyFile?: string;
  /** Let ADC ask the GCE metadata server (a network probe); off: only key files and gcloud's login count. */
  useMetadataServer?: boolean;
  /** Results per searchAllResources page (the API caps it at 500). */
  pageSize?: number;
  maxConcurrentShards?: number;
  /** Cloud Asset calls per second (and burst) of this worker; unset or 0: unlimited. */
  callsPerSecond?: number;
  callBurst?: number;
}

export interface GcpClients {
  /** The Cloud Asset client; rejects with GcpCredentialsError when no credentials are found. */
  asset(): Promise<AssetServiceClient>;
  /** Runs one Cloud Asset call once the budget has a token for it. */
  budgeted<T>(call: () => Promise<T>): Promise<T>;
  /** The worker's Cloud Asset budget: one bucket, as the quota is per consumer project (the credential's). */
  budgets: CallBudgets;
}

/** Cloud Asset quotas count against the caller's (consumer) project, not the scope searched. */
export const GCP_BUDGET_KEY = 'consumer-project';

const CLOUD_PLATFORM = 'https://www.googleapis.com/auth/cloud-platform';

/**
 * Whether ADC has a credential to find without the network: a key file (configured or
 * GOOGLE_APPLICATION_CREDENTIALS) or gcloud's application-default login. Without one, ADC would
 * probe the metadata server, which only a worker on GCP may do (useMetadataServer).
 */
function hasLocalCredential(settings: GcpSettings, env: NodeJS.ProcessEnv): boolean {
  if (settings.keyFile || env.GOOGLE_APPLICATION_CREDENTIALS) return true;
  const configDir = env.CLOUDSDK_CONFIG
    ?? (process.platform === 'win32' && env.APPDATA ? path.join(env.APPDATA, 'gcloud') : path.join(os.homedir(), '.config', 'gcloud'));
  return existsSync(path.join(configDir, 'application_default_credentials.json'));
}

/** `authClient` replaces ADC (tests pass an OAuth2Client holding a static token). */
export function createGcpClients(settings: GcpSettings, authClient?: AuthClient, env: NodeJS.ProcessEnv = process.env): GcpClients {
  let built: Promise<AssetServiceClient> | undefined;
  const budgets = new CallBudgets(settings.callsPerSecond ? { callsPerSecond: settings.callsPerSecond, burst: settings.callBurst ?? 1 } : UNLIMITED);
  const build = async (): Promise<AssetServiceClient> => {
    let auth: AuthClient;
    if (!authClient && !settings.useMetadataServer && !hasLocalCredential(settings, env)) throw new GcpCredentialsError(NO_CREDENTIALS_HINT);
    try {
      auth = authClient ?? await new GoogleAuth({ scopes: [CLOUD_PLATFORM], ...(settings.keyFile ? { keyFilename: settings.keyFile } : {}) }).getClient();
    } catch (err) {
      // The library's text names files and environment variables, never secrets: kept as the cause.
      throw new GcpCredentialsError(NO_CREDENTIALS_HINT, { cause: err });
    }
    return new AssetServiceClient({
      // REST (HTTP/1.1 + JSON) rather than gRPC: one transport for Google and for the local fake.
      fallback: true,
      // google-gax bundles its own google-auth-library (same major): the same client, another type identity.
      authClient: auth as unknown as NonNullable<ConstructorParameters<typeof AssetServiceClient>[0]>['authClient'],
      ...(settings.apiEndpoint ? { apiEndpoint: settings.apiEndpoint } : {}),
      ...(settings.port !== undefined ? { port: settings.port } : {}),
      ...(settings.protocol ? { protocol: settings.protocol } : {}),
    });
  };
  return {
    budgets,
    async budgeted(call) {
      await budgets.take(GCP_BUDGET_KEY);
      return call();
    },
    asset() {
      built ??= build();
      // A failed build is not kept: credentials placed later are picked up by the next call.
      built.catch(() => { built = undefined; });
      return built;
    },
  };
}
