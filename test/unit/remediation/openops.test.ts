// The OpenOps workflow generator: the import document's shape (a trigger whose nextAction chain
// reaches every step once), batches of at most 20 ARNs, every shell step accepted by `bash -n`,
// and hostile tag values and ARNs that reach `aws` as exactly one argument each.
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluate } from '../../../core/compliance/index.js';
import { compilePolicy } from '../../../core/policy/compile.js';
import type { ScanResourceRow } from '../../../core/scan.js';
import { generateOpenOpsWorkflow, MAX_ARNS_PER_CALL, shellWord, type OpenOpsOptions } from '../../../core/remediation/openops.js';
import { aPolicy, aResource, aRule } from '../builders.js';

const run = promisify(execFile);
const policy = aPolicy({
  caseSensitive: true,
  required: [
    aRule('Owner', { validation_regex: '^[^<>]+$' }),
    aRule('Environment', { allowed_values: ['production', 'staging'] }),
    aRule('Team', { allowed_values: ['platform'] }),
  ],
});
const compiled = compilePolicy(policy);

function row(id: string, tags: Record<string, string>, overrides: Partial<ScanResourceRow> = {}): ScanResourceRow {
  const resource = aResource({ id, tags, type: overrides.resourceType ?? 'ec2:instance', region: overrides.region ?? 'eu-west-1' });
  const e = evaluate(compiled, resource);
  return { resourceId: id, cloud: 'aws', account: '123456789012', region: resource.region, resourceType: resource.type, tags,
    compliant: e.compliant, violations: e.findings, ...overrides };
}

async function* iterate(rows: ScanResourceRow[]) { yield* rows; }

const BASE: OpenOpsOptions = { strategy: 'auto_tag', score: 0.5, schedule: 'daily', hourOfDay: 3, timezone: 'UTC', maxResources: 1000, scanId: 'scan-x' };

interface Step { name: string; type: string; settings: Record<string, any>; nextAction?: Step } // eslint-disable-line @typescript-eslint/no-explicit-any

/** The steps reached from the trigger through nextAction, in order. */
function chain(workflow: Record<string, any>): Step[] { // eslint-disable-line @typescript-eslint/no-explicit-any
  const out: Step[] = [];
  for (let s: Step | undefined = workflow.template.trigger.nextAction; s; s = s.nextAction) out.push(s);
  return out;
}

const HOSTILE = `it's "$(touch /tmp/pwned)" \`id\` $HOME; rm -rf / {{step_1}} }}\n; echo 'x'\\`;

describe('generateOpenOpsWorkflow', () => {
  let dir: string;
  let stubBin: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'openops-'));
    stubBin = path.join(dir, 'bin');
    await run('mkdir', ['-p', stubBin]);
    // A stand-in `aws` that records its argv, NUL-separated, one call per file.
    await writeFile(path.join(stubBin, 'aws'), '#!/bin/bash\nprintf \'%s\\0\' "$@" > "$ARGV_OUT"\n');
    await chmod(path.join(stubBin, 'aws'), 0o755);
  });
  afterAll(async () => { if (dir) await rm(dir, { recursive: true, force: true }); });

  /** Runs a step's command with the stub first on PATH; the argv `aws` received. */
  async function argvOf(command: string, n: number): Promise<string[]> {
    const out = path.join(dir, `argv-${n}`);
    await run('bash', ['-c', command], { env: { PATH: `${stubBin}:${process.env.PATH}`, ARGV_OUT: out }, cwd: dir });
    return (await readFile(out, 'utf8')).split('\0').slice(0, -1);
  }

  it('links trigger and steps in one chain and batches at most 20 ARNs per tag-resources call', async () => {
    const rows = Array.from({ length: 45 }, (_, i) => row(`arn:aws:ec2:eu-west-1:123456789012:instance/i-${String(i).padStart(3, '0')}`,
      { Owner: 'a@x.com', Environment: 'production' })); // missing Team only: one tag set
    rows.push(row('arn:aws:ec2:eu-west-1:123456789012:instance/i-ok', { Owner: 'a', Environment: 'staging', Team: 'platform' }));
    const out = await generateOpenOpsWorkflow(policy, iterate(rows), BASE);
    const steps = chain(out.workflow);
    expect(steps.map((s) => s.name)).toEqual(steps.map((_, i) => `step_${i + 1}`));
    expect(new Set(steps.map((s) => s.name)).size).toBe(steps.length);
    expect(steps[0]!.type).toBe('CODE');
    expect(steps.at(-1)!.type).toBe('CODE');
    const tagSteps = steps.filter((s) => s.settings.actionName === 'aws_cli');
    expect(tagSteps.length).toBe(Math.ceil(45 / MAX_ARNS_PER_CALL));
    expect(out.workflow.template).toMatchObject({ trigger: { type: 'TRIGGER', name: 'trigger', settings: {
      blockName: '@openops/block-schedule', triggerName: 'every_day', input: { hour_of_the_day: 3, timezone: 'UTC' } } } });
    const tagged: string[] = [];
    for (const [i, step] of tagSteps.entries()) {
      const command = step.settings.input.commandToRun as string;
      await run('bash', ['-n', '-c', command]);
      expect(step.settings.input.dryRun).toBe(false);
      const argv = await argvOf(command, i);
      expect(argv.slice(0, 5)).toEqual(['resourcegroupstaggingapi', 'tag-resources', '--region', 'eu-west-1', '--resource-arn-list']);
      const arns = argv.slice(5, argv.indexOf('--tags'));
      expect(arns.length).toBeLessThanOrEqual(MAX_ARNS_PER_CALL);
      expect(JSON.parse(argv[argv.indexOf('--tags') + 1]!)).toEqual({ Team: 'platform' }); // the single allowed value
      tagged.push(...arns);
    }
    expect(tagged.sort()).toEqual(rows.filter((r) => !r.compliant).map((r) => r.resourceId).sort());
  });

  it('keeps hostile values and ARNs inside one argument each, with no OpenOps template left in the command', async () => {
    const arn = `arn:aws:lambda:eu-west-1:123456789012:function:x' $(id) {{trigger}}\n`;
    const rows = [row(arn, { Environment: 'production', Team: 'platform' }, { resourceType: 'lambda:function' })];
    const out = await generateOpenOpsWorkflow(policy, iterate(rows), { ...BASE, suggestions: { [arn]: { Owner: HOSTILE.replace(/[<>]/g, '') } } });
    const [step] = chain(out.workflow).filter((s) => s.settings.actionName === 'aws_cli');
    const command = step!.settings.input.commandToRun as string;
    expect(command).not.toMatch(/\{\{|\}\}/);
    await run('bash', ['-n', '-c', command]);
    const argv = await argvOf(command, 99);
    expect(argv).toEqual(['resourcegroupstaggingapi', 'tag-resources', '--region', 'eu-west-1', '--resource-arn-list', arn,
      '--tags', JSON.stringify({ Owner: HOSTILE })]);
  });

  it('writes placeholders for values it cannot choose and keeps those steps in dry run; notify keeps every step in dry run', async () => {
    const rows = [row('arn:aws:s3:::bucket-a', { Environment: 'prod' }, { resourceType: 's3:bucket', region: 'us-east-1' }),
      row('arn:aws:s3:::bucket-b', { environment: 'staging', Owner: 'o', Team: 'platform' }, { resourceType: 's3:bucket', region: 'us-east-1' })];
    const out = await generateOpenOpsWorkflow(policy, iterate(rows), BASE);
    const steps = chain(out.workflow).filter((s) => s.settings.actionName === 'aws_cli');
    const byTags = new Map<string, Step>();
    for (const s of steps) byTags.set((await argvOf(s.settings.input.commandToRun as string, 7)).at(-1)!, s);
    // bucket-a: nothing to choose for Owner or Environment; bucket-b: the wrong-case key's value moves to Environment.
    const a = byTags.get(JSON.stringify({ Owner: '<set Owner>', Environment: '<set Environment>', Team: 'platform' }))!;
    const b = byTags.get(JSON.stringify({ Environment: 'staging' }))!;
    expect(a.settings.input.dryRun).toBe(true);
    expect(b.settings.input.dryRun).toBe(false);
    expect(out.placeholders).toBe(1);
    expect(out.workflow.template).toMatchObject({ valid: false });

    const notify = await generateOpenOpsWorkflow(policy, iterate(rows), { ...BASE, strategy: 'notify' });
    expect(chain(notify.workflow).filter((s) => s.settings.actionName === 'aws_cli').every((s) => s.settings.input.dryRun === true)).toBe(true);
  });

  it('generates no tag step when the score is at or above the threshold', async () => {
    const rows = [row('arn:aws:ec2:eu-west-1:123456789012:instance/i-1', {})];
    const above = await generateOpenOpsWorkflow(policy, iterate(rows), { ...BASE, score: 0.9, threshold: 90 });
    expect(above.belowThreshold).toBe(false);
    expect(chain(above.workflow).map((s) => s.type)).toEqual(['CODE', 'CODE']);
    const below = await generateOpenOpsWorkflow(policy, iterate(rows), { ...BASE, score: 0.8999, threshold: 90 });
    expect(below.belowThreshold).toBe(true);
    expect(below.batches.length).toBe(1);
  });

  it('refuses a NUL in a shell word', () => {
    expect(() => shellWord('a\u0000b')).toThrow(/NUL/);
    expect(shellWord('{{x}}')).toBe("'{''{x}''}'");
  });
});
