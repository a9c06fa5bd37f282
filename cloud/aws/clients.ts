// AWS SDK clients per (account, region, service), built once and reused: they share keep-alive
// sockets, and their credentials come from the session cache on every request.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EC2Client } from '@aws-sdk/client-ec2';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { RDSClient } from '@aws-sdk/client-rds';
import { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { S3Client } from '@aws-sdk/client-s3';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { Pluggable } from '@smithy/types';
import { Agent } from 'node:https';
import { Agent as HttpAgent } from 'node:http';
import type { Config } from '../../config/index.js';
import { CallBudgets, UNLIMITED, type CallBudgetSettings } from '../call-budget.js';
import { callBudget } from './call-budget.js';
import { callCounter } from './call-counter.js';
import { AwsSessions } from './sessions.js';

export interface AwsClientOptions {
  endpoint?: string;
  roleName: string;
  externalId?: string;
  sessionDurationSeconds: number;
  managementAccountId?: string;
  /** SDK attempts per call before the error reaches Temporal's retry policy. */
  maxAttempts?: number;
  /** Calls per second (and burst) per account and Region for every client; unset: unlimited. */
  budget?: CallBudgetSettings;
}

/**
 * The process's AWS clients, from the one config: the worker's shards and the gateway's live reads
 * then assume the same cross-account role. Build it once per process; its owner destroys it.
 */
export function awsClientsFrom(config: Config): AwsClients {
  const aws = config.clouds.aws;
  return new AwsClients({
    endpoint: aws.endpoint,
    roleName: aws.crossAccountRoleName,
    externalId: aws.externalId,
    sessionDurationSeconds: aws.sessionDurationSeconds,
    managementAccountId: aws.managementAccountId,
    maxAttempts: aws.sdkMaxAttempts,
    budget: { callsPerSecond: aws.callsPerSecondPerAccountRegion, burst: aws.callBurst },
  });
}

const CLIENTS = {
  ec2: EC2Client,
  s3: S3Client,
  rds: RDSClient,
  lambda: LambdaClient,
  dynamodb: DynamoDBClient,
  tagging: ResourceGroupsTaggingAPIClient,
  organizations: OrganizationsClient,
} as const;
type ServiceName = keyof typeof CLIENTS;
type ClientOf<S extends ServiceName> = InstanceType<(typeof CLIENTS)[S]>;

/** SDK clients kept per (service, account, region); one evicted is rebuilt on next use (sessions are cached apart). */
export const MAX_CACHED_CLIENTS = 5000;

export class AwsClients {
  readonly sessions: AwsSessions;
  /** The process's AWS call budgets (per account and Region), shared by every client. */
  readonly budgets: CallBudgets;
  private readonly clients = new Map<string, unknown>();
  private readonly requestHandler: NodeHttpHandler;
  private readonly defaultCredentials: ReturnType<typeof defaultProvider>;

  constructor(private readonly opts: AwsClientOptions) {
    const endpoint = opts.endpoint ?? process.env.AWS_ENDPOINT_URL;
    this.opts = { ...opts, endpoint };
    this.budgets = new CallBudgets(opts.budget ?? UNLIMITED);
    this.sessions = new AwsSessions({
      roleName: opts.roleName,
      externalId: opts.externalId,
      durationSeconds: opts.sessionDurationSeconds,
      managementAccountId: opts.managementAccountId,
      clientConfig: { endpoint, region: 'us-east-1', maxAttempts: opts.maxAttempts },
    });
    this.defaultCredentials = defaultProvider();
    this.requestHandler = new NodeHttpHandler({
      httpAgent: new HttpAgent({ keepAlive: true, maxSockets: 64 }),
      httpsAgent: new Agent({ keepAlive: true, maxSockets: 64 }),
    });
  }

  client<S extends ServiceName>(service: S, accountId: string, region: string): ClientOf<S> {
    const key = `${service}/${accountId}/${region}`;
    let client = this.clients.get(key) as ClientOf<S> | undefined;
    if (client) {
      // Most recently used last: eviction below drops the least recently used.
      this.clients.delete(key);
      this.clients.set(key, client);
    } else {
      // Callers name regions (live reads accept any well-formed one): a cap keeps the cache bounded.
      // An evicted client is only dropped, not destroyed: it shares the request handler.
      if (this.clients.size >= MAX_CACHED_CLIENTS) this.clients.delete(this.clients.keys().next().value!);
      const Client = CLIENTS[service] as unknown as new (config: object) => ClientOf<S>;
      client = new Client({
        region,
        ...(this.opts.endpoint ? { endpoint: this.opts.endpoint } : {}),
        ...(service === 's3' ? { forcePathStyle: Boolean(this.opts.endpoint), followRegionRedirects: true } : {}),
        maxAttempts: this.opts.maxAttempts ?? 3,
        requestHandler: this.requestHandler,
        // The default chain for the home account, an assumed-role session for the others.
        credentials: async () => (await this.sessions.credentialsFor(accountId)) ?? (await this.defaultCredentials()),
      });
      // Every request sent (retries included) is counted for the shard or step that made it.
      (client as { middlewareStack: { use(p: Pluggable<object, object>): void } }).middlewareStack.use(callCounter(service));
      if (this.budgets.enabled) (client as { middlewareStack: { use(p: Pluggable<object, object>): void } }).middlewareStack.use(callBudget(this.budgets, accountId, region));
      this.clients.set(key, client);
    }
    return client;
  }

  /** How many SDK clients are cached (bounded by MAX_CACHED_CLIENTS). */
  get cachedClients(): number {
    return this.clients.size;
  }

  destroy(): void {
    for (const client of this.clients.values()) (client as { destroy(): void }).destroy();
    this.clients.clear();
    this.requestHandler.destroy();
  }
}

