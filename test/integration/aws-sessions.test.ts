// Account sessions and the caller fallback against moto, read from the wire: AssumeRole carries
// the configured ExternalId, a session is reused until 5 minutes before it expires and then
// assumed afresh, and a caller in no organisation (or barred from listing it) scans its own account.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwsClients } from '../../cloud/aws/clients.js';
import { createPlanActivities } from '../../activities/aws/plan.js';
import { AwsSessions, REFRESH_MARGIN_MS } from '../../cloud/aws/sessions.js';
import { MANAGEMENT_ACCOUNT } from '../support/aws-seed.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { MOTO_CREDENTIALS, startMoto, type MotoServer } from '../support/moto.js';
import { startRequestLog, type RequestLog } from '../support/request-log.js';

const MEMBER = '111111111111';
const DURATION_S = 900;

describe('AWS sessions and the caller fallback on moto', () => {
  let moto: MotoServer;
  let proxy: FaultProxy;
  let log: RequestLog;
  const env = { ...process.env };

  beforeAll(async () => {
    moto = await startMoto();
    proxy = await startFaultProxy(moto.endpoint, []);
    log = await startRequestLog(proxy.endpoint);
    process.env.AWS_ACCESS_KEY_ID = MOTO_CREDENTIALS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = MOTO_CREDENTIALS.secretAccessKey;
  });

  afterAll(async () => {
    process.env = env;
    await log?.stop();
    await proxy?.stop();
    await moto?.stop();
  });

  const assumeRoles = (from: number) => log.entries.slice(from).filter((r) => r.service === 'sts' && r.operation === 'AssumeRole');

  it('assumes the role with the ExternalId, reuses the session, and refreshes it 5 minutes before expiry', async () => {
    let offsetMs = 0;
    const sessions = new AwsSessions({
      roleName: 'OrganizationAccountAccessRole', externalId: 'finops-ext-42', durationSeconds: DURATION_S,
      clientConfig: { endpoint: log.endpoint, region: 'us-east-1', maxAttempts: 1 }, now: () => Date.now() + offsetMs,
    });
    const from = log.entries.length;
    const first = await sessions.credentialsFor(MEMBER);
    expect(first?.accessKeyId).toBeTruthy();
    const [assumed] = assumeRoles(from);
    const params = new URLSearchParams(assumed!.body);
    expect(params.get('ExternalId')).toBe('finops-ext-42');
    expect(params.get('RoleArn')).toBe(`arn:aws:iam::${MEMBER}:role/OrganizationAccountAccessRole`);
    expect(params.get('DurationSeconds')).toBe(String(DURATION_S));

    // A minute before the refresh margin: the cached session, no new AssumeRole.
    offsetMs = DURATION_S * 1000 - REFRESH_MARGIN_MS - 60_000;
    expect(await sessions.credentialsFor(MEMBER)).toEqual(first);
    expect(assumeRoles(from)).toHaveLength(1);

    // Inside the margin: a new session, assumed with the same ExternalId.
    offsetMs = DURATION_S * 1000 - REFRESH_MARGIN_MS + 60_000;
    const refreshed = await sessions.credentialsFor(MEMBER);
    expect(assumeRoles(from)).toHaveLength(2);
    expect(new URLSearchParams(assumeRoles(from)[1]!.body).get('ExternalId')).toBe('finops-ext-42');
    expect(refreshed?.accessKeyId).not.toBe(first?.accessKeyId);
    // The management account never assumes a role: the default chain applies.
    expect(await sessions.credentialsFor(MANAGEMENT_ACCOUNT)).toBeUndefined();
    expect(assumeRoles(from)).toHaveLength(2);
  });

  it('sends no ExternalId when none is configured', async () => {
    const sessions = new AwsSessions({
      roleName: 'OrganizationAccountAccessRole', durationSeconds: DURATION_S,
      clientConfig: { endpoint: log.endpoint, region: 'us-east-1', maxAttempts: 1 },
    });
    const from = log.entries.length;
    await sessions.credentialsFor(MEMBER);
    expect(assumeRoles(from)).toHaveLength(1);
    expect(new URLSearchParams(assumeRoles(from)[0]!.body).has('ExternalId')).toBe(false);
  });

  it("falls back to the caller's own account outside any organisation, or when listing it is denied", async () => {
    const clients = new AwsClients({ endpoint: log.endpoint, roleName: 'OrganizationAccountAccessRole', sessionDurationSeconds: DURATION_S, maxAttempts: 1 });
    try {
      const plan = createPlanActivities(clients, {});
      // This moto has no organisation (it answers ListAccounts with no accounts; AWS with AWSOrganizationsNotInUseException).
      const from = log.entries.length;
      const alone = await plan.planAwsAccounts({});
      expect(alone.accounts).toEqual([MANAGEMENT_ACCOUNT]);
      expect(alone.source).toMatch(/^caller \(/);
      expect(log.entries.slice(from).some((r) => r.operation === 'ListAccounts')).toBe(true);
      // The step counts what reached the wire: every request, each under its API.
      expect(Object.values(alone.calls).reduce((a, b) => a + b, 0)).toBe(log.entries.length - from);
      expect(alone.calls['organizations:ListAccounts']).toBe(1);

      proxy.setRules([{ name: 'org-denied', service: 'organizations', fault: { kind: 'deny' } }]);
      expect(await plan.planAwsAccounts({})).toMatchObject({ accounts: [MANAGEMENT_ACCOUNT], source: 'caller (AccessDeniedException)' });
      expect(proxy.stats.injected['org-denied']).toBeGreaterThan(0);
      // The fallback is also the allowed set: another account is refused.
      await expect(plan.planAwsAccounts({ accounts: [MEMBER] })).rejects.toMatchObject({ type: 'InvalidInput' });
    } finally {
      proxy.setRules([]);
      clients.destroy();
    }
  });
});
