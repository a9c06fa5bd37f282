// Scheduled-audit parameters: what a caller controls is validated with clear errors, and the same
// schedule and scope always give the same id. Also the notification rules (which kinds an outcome calls for).
import { describe, expect, it } from 'vitest';
import { ScheduleInputError, checkScheduleId, resolveSchedule, scheduleIdFor, validateCron } from '../../client/schedule-params.js';
import { describeNotification, notificationKinds, signWebhookBody } from '../../activities/notifications.js';
import { createHmac } from 'node:crypto';

describe('resolveSchedule', () => {
  it('turns the peer parameters into a cron in the given zone', () => {
    expect(resolveSchedule({ schedule: 'daily', time: '09:30', timezone: 'Europe/Paris' })).toMatchObject({ cron: '30 9 * * *', timezone: 'Europe/Paris' });
    expect(resolveSchedule({ schedule: 'weekly', time: '23:05' }).cron).toBe('5 23 * * 1');
    expect(resolveSchedule({ schedule: 'monthly', time: '00:00' }).cron).toBe('0 0 1 * *');
    expect(resolveSchedule({ cron: ' 15  2 * *  1-5 ', time: '09:00' }).cron).toBe('15 2 * * 1-5');
  });

  it('cloud_provider all schedules every cloud; one cloud stays one', () => {
    expect(resolveSchedule({ cloud_provider: 'all' }).scope.clouds).toEqual(['aws', 'azure', 'gcp']);
    expect(resolveSchedule({ cloud_provider: 'gcp' }).scope.clouds).toEqual(['gcp']);
    expect(scheduleIdFor(resolveSchedule({ cloud_provider: 'all' }))).not.toBe(scheduleIdFor(resolveSchedule({})));
  });

  it('maps notification_format to the channels the runs use', () => {
    expect(resolveSchedule({}).channels).toEqual(['email', 'webhook']);
    expect(resolveSchedule({ notification_format: 'email' }).channels).toEqual(['email']);
    expect(resolveSchedule({ notification_format: 'webhook' }).channels).toEqual(['webhook']);
  });

  it('normalises the scope, so reordered lists give the same id', () => {
    const a = resolveSchedule({ resource_types: ['s3:bucket', 'ec2:instance'], regions: ['us-west-2', 'us-east-1'] });
    const b = resolveSchedule({ resource_types: ['ec2:instance', 's3:bucket', 's3:bucket'], regions: ['us-east-1', 'us-west-2'] });
    expect(scheduleIdFor(a)).toBe(scheduleIdFor(b));
    expect(scheduleIdFor(a)).toMatch(/^tag-audit-[0-9a-f]{12}$/);
    expect(scheduleIdFor(resolveSchedule({ resource_types: ['ec2:instance'] }))).not.toBe(scheduleIdFor(a));
    expect(scheduleIdFor(resolveSchedule({ time: '10:00' }))).not.toBe(scheduleIdFor(resolveSchedule({ time: '09:00' })));
  });

  it.each([
    [{ timezone: 'Mars/Olympus' }, /unknown timezone "Mars\/Olympus"/],
    [{ time: '24:00' }, /time: must be HH:MM/],
    [{ time: '9:00' }, /time: must be HH:MM/],
    [{ cron: '0 2 * *' }, /must have 5 fields/],
    [{ cron: '0 25 * * *' }, /hour "25" must be/],
    [{ cron: '* * * * *' }, /at most one run an hour/],
    [{ cron: '*/5 2 * * *' }, /at most one run an hour/],
    [{ cron: '0 2 * * MON; rm' }, /must have 5 fields|day of week/],
    [{ cron: '0 2 * * *\u0000' }, /control characters/],
    [{ timezone: 'UTC\n' }, /control characters/],
    [{ cron: '0 '.repeat(60) }, /at most 100 characters/],
    [{ resource_types: ['ec2'] }, /invalid scope: resource_types.0: must be service:kind/],
    [{ accounts: ['12345'] }, /invalid scope: accounts.0: must be a 12-digit/],
    [{ recipients: ['not-an-address'] }, /recipients.0: must be an email address/],
    [{ recipients: Array.from({ length: 21 }, (_, i) => `a${i}@example.com`) }, /at most 20 recipients/],
    [{ resource_types: Array.from({ length: 201 }, () => 'ec2:instance') }, /resource_types/],
    [{ schedule: 'hourly' }, /schedule/],
    [{ extra: 1 }, /Unrecognized key|unrecognized/i],
  ])('refuses %j with a clear error', (input, message) => {
    expect(() => resolveSchedule(input as never)).toThrow(ScheduleInputError);
    expect(() => resolveSchedule(input as never)).toThrow(message);
  });

  it('accepts steps and lists outside the minute field', () => {
    expect(validateCron('0 */6 1,15 1-12/3 0-6')).toBe('0 */6 1,15 1-12/3 0-6');
  });

  it('refuses schedule ids it did not hand out', () => {
    expect(checkScheduleId('tag-audit-default')).toBe('tag-audit-default');
    expect(() => checkScheduleId('some-other-schedule')).toThrow(/not a scheduled-audit id/);
    expect(() => checkScheduleId('tag-audit-../../x')).toThrow(ScheduleInputError);
  });
});

describe('notification rules', () => {
  const base = { scheduleId: 'tag-audit-default', scanWorkflowId: 'scan-scheduled-aaaaaaaaaaaa-20261205T0200Z', scanId: 's.1' };
  const settings = { notifyOnFailure: true, complianceScoreBelow: 0.8 };

  it('notifies failed and partial scans, and scores below the threshold', () => {
    expect(notificationKinds({ ...base, status: 'failed', error: 'x' }, settings)).toEqual(['failed']);
    expect(notificationKinds({ ...base, status: 'partial', score: 0.9 }, settings)).toEqual(['partial']);
    expect(notificationKinds({ ...base, status: 'partial', score: 0.5 }, settings)).toEqual(['partial', 'score_below']);
    expect(notificationKinds({ ...base, status: 'completed', score: 0.8 }, settings)).toEqual([]);
    expect(notificationKinds({ ...base, status: 'completed', score: 0.7999 }, settings)).toEqual(['score_below']);
    // A scan that saw nothing has no score: no alarm about it.
    expect(notificationKinds({ ...base, status: 'completed', score: null }, settings)).toEqual([]);
    expect(notificationKinds({ ...base, status: 'failed' }, { notifyOnFailure: false })).toEqual([]);
  });

  it('says what happened and where to look', () => {
    const { subject, text } = describeNotification('score_below', { ...base, status: 'completed', score: 0.5, total: 4 }, 0.8);
    expect(subject).toBe('Compliance score 50.00% is below 80.00% (tag-audit-default)');
    expect(text).toContain('Score: 50.00% of 4 resources');
    expect(text).toContain(`get_scan_status with scan_id ${base.scanWorkflowId}`);
  });

  it('signs webhook bodies with HMAC-SHA256', () => {
    expect(signWebhookBody('k'.repeat(16), '{"a":1}')).toBe(createHmac('sha256', 'k'.repeat(16)).update('{"a":1}').digest('hex'));
  });
});
