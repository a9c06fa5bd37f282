// generate_openops_workflow and export_for_automation behind a real MCP client over a moto-seeded
// scan: the workflow's chain and batches cover exactly the non-compliant resources, every shell
// step passes `bash -n` and hands `aws` the ARNs and tags as separate arguments; the JSON Lines
// and Ansible exports parse back to the scan's rows, paged by cursor.
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportForAutomationTool } from '../../mcp-gateway/tools/export-for-automation.js';
import { generateOpenopsWorkflow } from '../../mcp-gateway/tools/generate-openops-workflow.js';
import { SCOPE_ARGS, startRemediationScan, type RemediationScan } from '../support/remediation-scan.js';

const run = promisify(execFile);

interface Step { name: string; type: string; settings: Record<string, any>; nextAction?: Step } // eslint-disable-line @typescript-eslint/no-explicit-any

describe('OpenOps and automation exports on a moto scan', () => {
  let scan: RemediationScan;
  let dir: string;

  beforeAll(async () => {
    scan = await startRemediationScan([generateOpenopsWorkflow, exportForAutomationTool]);
    dir = await mkdtemp(path.join(os.tmpdir(), 'openops-it-'));
    await writeFile(path.join(dir, 'aws'), '#!/bin/bash\nprintf \'%s\\0\' "$@" > "$ARGV_OUT"\n');
    await chmod(path.join(dir, 'aws'), 0o755);
  }, 180_000);

  afterAll(async () => {
    await scan?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('tags every non-compliant resource once, in batches of at most 20, through commands bash accepts', async () => {
    const { structured } = await scan.call('generate_openops_workflow', { ...SCOPE_ARGS, remediation_strategy: 'auto_tag', schedule: 'weekly' });
    const workflow = JSON.parse(structured.workflow_json) as { template: { trigger: Step & { settings: { triggerName: string } } } };
    expect(workflow.template.trigger.settings.triggerName).toBe('every_week');
    const steps: Step[] = [];
    for (let s = workflow.template.trigger.nextAction; s; s = s.nextAction) steps.push(s);
    expect(steps.length).toBe(structured.steps);
    expect(new Set(steps.map((s) => s.name)).size).toBe(steps.length);
    const tagged: string[] = [];
    for (const [i, step] of steps.filter((s) => s.settings.actionName === 'aws_cli').entries()) {
      const command = step.settings.input.commandToRun as string;
      await run('bash', ['-n', '-c', command]);
      const out = path.join(dir, `argv-${i}`);
      await run('bash', ['-c', command], { env: { PATH: `${dir}:${process.env.PATH}`, ARGV_OUT: out } });
      const argv = (await readFile(out, 'utf8')).split('\0').slice(0, -1);
      const arns = argv.slice(argv.indexOf('--resource-arn-list') + 1, argv.indexOf('--tags'));
      expect(arns.length).toBeGreaterThan(0);
      expect(arns.length).toBeLessThanOrEqual(20);
      const tags = JSON.parse(argv.at(-1)!) as Record<string, string>;
      for (const arn of arns) {
        const row = scan.rows.find((r) => r.resourceId === arn)!;
        const errorTags = (row.violations as { tag: string; severity: string }[]).filter((f) => f.severity === 'error').map((f) => f.tag);
        expect(Object.keys(tags).sort()).toEqual([...new Set(errorTags)].sort());
      }
      tagged.push(...arns);
    }
    expect(tagged.sort()).toEqual(scan.rows.filter((r) => !r.compliant).map((r) => r.resourceId).sort());
    expect(structured.resources_to_tag).toBe(tagged.length);

    // At or above the threshold there is nothing to tag.
    const score = structured.compliance_score_percent as number;
    const above = await scan.call('generate_openops_workflow', { scan_id: scan.scanWorkflowId, threshold: score });
    expect(above.structured).toMatchObject({ below_threshold: false, batches: 0, steps: 2 });
  }, 120_000);

  it('exports JSON Lines and an Ansible inventory that parse back to the scan, page by page', async () => {
    const bad = scan.rows.filter((r) => !r.compliant).sort((a, b) => (a.resourceId < b.resourceId ? -1 : 1));
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const { structured } = await scan.call('export_for_automation', { ...SCOPE_ARGS, limit: 7, ...(cursor ? { cursor } : {}) });
      const lines = (structured.jsonl as string).trimEnd().split('\n').map((l) => JSON.parse(l) as { resource_id: string; tags: unknown; violations: unknown[] });
      for (const line of lines) {
        const row = bad.find((r) => r.resourceId === line.resource_id)!;
        expect(line.tags).toEqual(row.tags);
        expect(line.violations.length).toBe(row.violations.length);
      }
      const inventory = parse(structured.ansible_yaml, { customTags: [{ tag: '!unsafe', resolve: (s: string) => s }] }) as
        { all: { vars: { tag_remediations: { resource_arn: string }[] } } };
      expect(inventory.all.vars.tag_remediations.map((i) => i.resource_arn)).toEqual(lines.map((l) => l.resource_id));
      seen.push(...lines.map((l) => l.resource_id));
      cursor = structured.next_cursor ?? undefined;
      pages++;
    } while (cursor);
    expect(seen).toEqual(bad.map((r) => r.resourceId));
    expect(pages).toBe(Math.ceil(bad.length / 7));
    expect(await scan.callError('export_for_automation', { ...SCOPE_ARGS, cursor: 'not-a-cursor!' })).toMatch(/invalid cursor/);
  }, 120_000);
});
