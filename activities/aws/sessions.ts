// Cross-account access: STS AssumeRole into each member account, sessions cached per account
// until 5 minutes before they expire. The management account uses the default credential chain.
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity } from '@smithy/types';
import { toActivityFailure } from './errors.js';

export interface SessionOptions {
  roleName: string;
  externalId?: string;
  durationSeconds: number;
  /** Known management account; otherwise the caller's own account (STS GetCallerIdentity). */
  managementAccountId?: string;
  /** Base client settings: endpoint, region, retry attempts. */
  clientConfig: { endpoint?: string; region: string; maxAttempts?: number };
  now?: () => number;
}

/** Refresh this long before expiry, so no request starts with a session about to lapse. */
export const REFRESH_MARGIN_MS = 5 * 60_000;

interface Cached {
  credentials: AwsCredentialIdentity;
  expiresAt: number;
}

export class AwsSessions {
  private readonly cache = new Map<string, Promise<Cached>>();
  private callerAccount: Promise<string> | undefined;
  private readonly sts: STSClient;
  private readonly now: () => number;

  constructor(private readonly opts: SessionOptions) {
    this.sts = new STSClient(opts.clientConfig);
    this.now = opts.now ?? Date.now;
  }

  /** The account whose default credentials we hold. */
  async homeAccount(): Promise<string> {
    if (this.opts.managementAccountId) return this.opts.managementAccountId;
    this.callerAccount ??= this.sts.send(new GetCallerIdentityCommand({})).then((r) => r.Account!).catch((err) => {
      this.callerAccount = undefined;
      throw toActivityFailure(err, 'sts:GetCallerIdentity');
    });
    return this.callerAccount;
  }

  /** Credentials for `accountId`, or undefined where the default chain applies. */
  async credentialsFor(accountId: string): Promise<AwsCredentialIdentity | undefined> {
    if (accountId === (await this.homeAccount())) return undefined;
    const cached = this.cache.get(accountId);
    if (cached) {
      const session = await cached.catch(() => undefined);
      if (session && session.expiresAt - REFRESH_MARGIN_MS > this.now()) return session.credentials;
      if (this.cache.get(accountId) !== cached) return this.credentialsFor(accountId);
    }
    const fresh = this.assume(accountId);
    this.cache.set(accountId, fresh);
    fresh.catch(() => this.cache.delete(accountId));
    return (await fresh).credentials;
  }

  private async assume(accountId: string): Promise<Cached> {
    const roleArn = `arn:aws:iam::${accountId}:role/${this.opts.roleName}`;
    try {
      const out = await this.sts.send(new AssumeRoleCommand({
        RoleArn: roleArn,
        RoleSessionName: 'finops-tag-compliance',
        DurationSeconds: this.opts.durationSeconds,
        ...(this.opts.externalId ? { ExternalId: this.opts.externalId } : {}),
      }));
      const c = out.Credentials!;
      const expiresAt = c.Expiration?.getTime() ?? this.now() + this.opts.durationSeconds * 1000;
      return {
        credentials: { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken, expiration: new Date(expiresAt) },
        expiresAt,
      };
    } catch (err) {
      throw toActivityFailure(err, `account ${accountId}: sts:AssumeRole ${this.opts.roleName}`);
    }
  }
}
