// An OpenOps workflow (the JSON its "Import workflow" accepts) that tags a scan's non-compliant
// AWS resources: a schedule trigger, a compliance gate, then one AWS CLI step per batch of at most
// 20 ARNs running `aws resourcegroupstaggingapi tag-resources`, linked through nextAction.
//
// Every value that reaches a command (ARNs, tag keys and values, region) may be chosen by whoever
// named or tagged a resource, so each is one single-quoted shell word, and `{{`/`}}`, which
// OpenOps would evaluate as a template expression, are split so they never appear.
import { compilePolicy } from '../policy/compile.js';
import type { TaggingPolicy } from '../policy/schema.js';
import type { ScanResourceRow } from '../scan.js';
import { placeholderFor, tagsToSet } from './automation-tags.js';
import { suggestedFor, typeWanted, type SuggestionLookup, type TagSuggestions } from './custodian.js';

export const OPENOPS_STRATEGIES = ['notify', 'auto_tag'] as const;
export type OpenOpsStrategy = (typeof OPENOPS_STRATEGIES)[number];
export const OPENOPS_SCHEDULES = ['hourly', 'daily', 'weekly', 'monthly'] as const;
export type OpenOpsSchedule = (typeof OPENOPS_SCHEDULES)[number];

/** tag-resources accepts at most 20 ARNs a call. */
export const MAX_ARNS_PER_CALL = 20;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;
const HOME_REGION = 'us-east-1';
const SCHEDULE_BLOCK = { blockName: '@openops/block-schedule', blockVersion: '~0.1.5' };
const AWS_BLOCK = { blockName: '@openops/block-aws', blockVersion: '~0.0.3' };
const NO_RETRY = { retryOnFailure: { value: false }, continueOnFailure: { value: false } };

export interface OpenOpsOptions {
  resourceTypes?: readonly string[];
  targetTags?: readonly string[];
  strategy: OpenOpsStrategy;
  /** Compliance score in percent below which the workflow tags; absent = always. */
  threshold?: number;
  /** The scan's compliance score, 0..1 (null when it saw nothing). */
  score: number | null;
  schedule: OpenOpsSchedule;
  hourOfDay: number;
  timezone: string;
  /** Resources tagged at most; the rest are counted in `skipped`. */
  maxResources: number;
  suggestions?: TagSuggestions;
  suggest?: SuggestionLookup;
  scanId?: string;
}

export interface TagBatch {
  account: string;
  region: string;
  arns: string[];
  tags: Record<string, string>;
}

export interface OpenOpsArtefact {
  /** The import document: metadata plus `template` (trigger -> actions via nextAction). */
  workflow: Record<string, unknown>;
  batches: TagBatch[];
  belowThreshold: boolean;
  resourcesToTag: number;
  placeholders: number;
  skipped: { notAws: number; overLimit: number; nothingToSet: number };
}

export async function generateOpenOpsWorkflow(
  policy: TaggingPolicy, rows: AsyncIterable<ScanResourceRow>, opts: OpenOpsOptions,
): Promise<OpenOpsArtefact> {
  const compiled = compilePolicy(policy);
  const targetTags = opts.targetTags?.length ? new Set(opts.targetTags) : null;
  const scorePercent = opts.score === null ? null : Math.round(opts.score * 10_000) / 100;
  const belowThreshold = opts.threshold === undefined || scorePercent === null || scorePercent < opts.threshold;
  const groups = new Map<string, TagBatch>();
  const skipped = { notAws: 0, overLimit: 0, nothingToSet: 0 };
  let resources = 0;
  let placeholders = 0;
  for await (const row of rows) {
    if (row.compliant || !typeWanted(row.resourceType, opts.resourceTypes)) continue;
    if (row.cloud !== 'aws') { skipped.notAws++; continue; }
    const rules = compiled.rulesFor('aws', row.resourceType);
    const tags = tagsToSet(row, rules, targetTags, suggestedFor(row, opts.suggestions, opts.suggest));
    if (!tags || row.resourceId.includes('\u0000')) { skipped.nothingToSet++; continue; }
    if (!belowThreshold) continue;
    if (resources >= opts.maxResources) { skipped.overLimit++; continue; }
    resources++;
    if (Object.entries(tags).some(([k, v]) => v === placeholderFor(k))) placeholders++;
    const region = REGION.test(row.region) ? row.region : HOME_REGION;
    const key = JSON.stringify([row.account, region, Object.entries(tags).sort(([a], [b]) => (a < b ? -1 : 1))]);
    let group = groups.get(key);
    if (!group) groups.set(key, group = { account: row.account, region, arns: [], tags });
    group.arns.push(row.resourceId);
  }
  const batches = [...groups.values()].flatMap((g) => chunk(g.arns, MAX_ARNS_PER_CALL).map((arns) => ({ ...g, arns })));
  const name = `Tag compliance remediation${opts.scanId ? ` (${opts.scanId})` : ''}`;
  const steps: Record<string, unknown>[] = [
    codeStep('Compliance gate', GATE_CODE, {
      scan_id: opts.scanId ?? null, compliance_score_percent: scorePercent, threshold_percent: opts.threshold ?? null,
      below_threshold: belowThreshold, resources_to_tag: resources, batches: batches.length, strategy: opts.strategy,
    }),
    ...batches.map((b, i) => {
      const placeholder = Object.entries(b.tags).some(([k, v]) => v === placeholderFor(k));
      return {
        type: 'BLOCK',
        displayName: `Tag batch ${i + 1}/${batches.length}: ${b.arns.length} resource(s) in ${b.account} ${b.region}` +
          (placeholder ? ' (fill in <set …> values)' : ''),
        valid: !placeholder,
        settings: {
          ...AWS_BLOCK, blockType: 'OFFICIAL', packageType: 'REGISTRY', actionName: 'aws_cli',
          input: {
            auth: null, account: {},
            commandToRun: tagCommand(b),
            // notify, or a value still to fill in: OpenOps shows the command without running it.
            dryRun: opts.strategy === 'notify' || placeholder,
          },
          inputUiInfo: { customizedInputs: {} },
          errorHandlingOptions: { ...NO_RETRY, continueOnFailure: { value: true } },
        },
      };
    }),
    codeStep('Summary', SUMMARY_CODE, { strategy: opts.strategy, batches: batches.length, resources_to_tag: resources, placeholders }),
  ];
  // step_1 … step_n, each the nextAction of the one before.
  let next: Record<string, unknown> | undefined;
  for (let i = steps.length - 1; i >= 0; i--) {
    next = { name: `step_${i + 1}`, ...steps[i], ...(next ? { nextAction: next } : {}) };
  }
  const trigger = {
    name: 'trigger', type: 'TRIGGER', valid: true, displayName: SCHEDULE_NAMES[opts.schedule],
    settings: {
      ...SCHEDULE_BLOCK, blockType: 'OFFICIAL', packageType: 'REGISTRY', triggerName: `every_${SCHEDULE_UNITS[opts.schedule]}`,
      input: scheduleInput(opts), inputUiInfo: { customizedInputs: {} },
    },
    nextAction: next,
  };
  const workflow = {
    name,
    description: `Tags the AWS resources tag compliance scan ${opts.scanId ?? ''} found non-compliant ` +
      `(${opts.strategy === 'notify' ? 'dry run: commands are shown, not run' : 'tags are written'}).`,
    tags: ['tag-compliance', 'finops'],
    services: ['AWS'],
    domains: ['FinOps'],
    blocks: [SCHEDULE_BLOCK.blockName, AWS_BLOCK.blockName],
    template: { displayName: name, description: 'Generated by finops-tag-compliance', trigger, valid: placeholders === 0 },
  };
  return { workflow, batches, belowThreshold, resourcesToTag: resources, placeholders, skipped };
}

/** One shell word for any string without NUL: single-quoted, and never holding `{{` or `}}`. */
export function shellWord(value: string): string {
  if (value.includes('\u0000')) throw new Error('a shell word cannot hold a NUL character');
  return `'${value.replace(/'/g, "'\\''")}'`.replace(/([{}])(?=\1)/g, "$1''");
}

/** The AWS CLI command tagging one batch; `--tags` as JSON so commas and `=` in values stay values. */
export function tagCommand(b: TagBatch): string {
  return ['aws resourcegroupstaggingapi tag-resources', '--region', shellWord(b.region),
    '--resource-arn-list', ...b.arns.map(shellWord), '--tags', shellWord(JSON.stringify(b.tags))].join(' ');
}

function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

const SCHEDULE_UNITS: Record<OpenOpsSchedule, string> = { hourly: 'hour', daily: 'day', weekly: 'week', monthly: 'month' };
const SCHEDULE_NAMES: Record<OpenOpsSchedule, string> = { hourly: 'Every Hour', daily: 'Every Day', weekly: 'Every Week', monthly: 'Every Month' };

function scheduleInput(opts: OpenOpsOptions): Record<string, unknown> {
  switch (opts.schedule) {
    case 'hourly': return { run_on_weekends: true };
    case 'daily': return { hour_of_the_day: opts.hourOfDay, timezone: opts.timezone, run_on_weekends: true };
    case 'weekly': return { day_of_the_week: 1, hour_of_the_day: opts.hourOfDay, timezone: opts.timezone };
    case 'monthly': return { day_of_the_month: 1, hour_of_the_day: opts.hourOfDay, timezone: opts.timezone };
  }
}

// Step code reads only its inputs (data, never spliced into the source).
const GATE_CODE = `export const code = async (inputs) => {
  // Tag steps are present only when the scan's score was below the threshold.
  return inputs;
};
`;
const SUMMARY_CODE = `export const code = async (inputs) => {
  return { message: inputs.strategy === 'notify'
    ? inputs.resources_to_tag + ' resource(s) to tag in ' + inputs.batches + ' batch(es): dry run, nothing changed'
    : inputs.resources_to_tag + ' resource(s) tagged in ' + inputs.batches + ' batch(es)', ...inputs };
};
`;

function codeStep(displayName: string, code: string, input: Record<string, unknown>): Record<string, unknown> {
  return {
    type: 'CODE', displayName, valid: true,
    settings: { sourceCode: { code, packageJson: '{}' }, input, inputUiInfo: { customizedInputs: {} }, errorHandlingOptions: NO_RETRY },
  };
}
