// Cross-account access: STS AssumeRole into each member account, sessions cached per account
// until 5 minutes before they expire. The management account uses the default credential chain.
// Every session's identity is checked once (STS GetCallerIdentity with its own credentials) before
// anything is read with it: rows are keyed by ARN, so credentials of the wrong account would
// silently overwrite another account's rows.
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { ApplicationFailure } from '@temporalio/common';
import type { AwsCredentialIdentity } from '@smithy/types';
import { callCounter } from './call-counter.js';
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
  private homeVerified: Promise<void> | undefined;
  private readonly sts: STSClient;
  private readonly now: () => number;

  constructor(private readonly opts: SessionOptions) {
    this.sts = new STSClient(opts.clientConfig);
    this.sts.middlewareStack.use(callCounter('sts'));
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
    if (accountId === (await this.homeAccount())) {
      await this.verifyHome(accountId);
      return undefined;
    }
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

  /**
   * A configured management account must be the one the default chain's credentials belong to;
   * a discovered one is by construction. Checked once per process; a transient error is retried.
   */
  private verifyHome(accountId: string): Promise<void> {
    if (!this.opts.managementAccountId) return Promise.resolve();
    this.homeVerified ??= this.identityOf(this.sts, accountId, 'the default credential chain (AWS_MANAGEMENT_ACCOUNT_ID)').catch((err: unknown) => {
      if (!(err instanceof ApplicationFailure && err.type === 'AccountMismatch')) this.homeVerified = undefined;
      throw err;
    });
    return this.homeVerified;
  }

  /** Fails with a non-retryable AccountMismatch when `sts`'s credentials belong to another account. */
  private async identityOf(sts: STSClient, expected: string, what: string): Promise<void> {
    let actual: string | undefined;
    try {
      actual = (await sts.send(new GetCallerIdentityCommand({}))).Account;
    } catch (err) {
      throw toActivityFailure(err, `account ${expected}: sts:GetCallerIdentity`);
    }
    if (actual === expected) return;
    throw ApplicationFailure.create({
      type: 'AccountMismatch',
      nonRetryable: true,
      message: `account ${expected}: the credentials from ${what} belong to account ${actual ?? 'unknown'}, not ${expected}; ` +
        'nothing was read with them (check the role, the management account setting and the STS endpoint)',
    });
  }

  private async assume(accountId: string): Promise<Cached> {
    const session = await this.assumeRole(accountId);
    // The identity is checked with the new credentials, once per session (cached and refreshed with it).
    const sts = new STSClient({ ...this.opts.clientConfig, credentials: session.credentials });
    sts.middlewareStack.use(callCounter('sts'));
    try {
      await this.identityOf(sts, accountId, `sts:AssumeRole ${this.opts.roleName}`);
    } finally {
      sts.destroy();
    }
    return session;
  }

  private async assumeRole(accountId: string): Promise<Cached> {
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
