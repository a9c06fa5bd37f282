// detect_tag_drift: tags added, removed and changed between two stored snapshots, with severities
// from the newer snapshot's policy, as keyset pages plus a summary computed in SQL.
import { z } from 'zod';
import { DRIFT_CHANGES, DRIFT_SEVERITIES, requiredKeyMaps, type DriftSeverity } from '../../core/drift.js';
import { CLOUDS, compilePolicy, parsePolicy } from '../../core/policy/index.js';
import type { Cloud } from '../../core/resource.js';
import { CursorError, decodeCursor, encodeCursor } from '../../core/report/index.js';
import type { DriftScan, Store } from '../../store/index.js';
import { loadActivePolicy } from '../../store/policy-sync.js';
import { defineTool, type ToolContext } from '../context.js';
import { ToolError } from '../errors.js';
import { scanIdParam, scopeParams } from '../scans/params.js';

const DAY_MS = 86_400_000;

const scanRefSchema = z.object({
  scan_id: z.string().describe('Workflow id of the snapshot, as list_scans shows it'),
  finished_at: z.string().nullable(),
});

const changeSchema = z.object({
  resource_id: z.string(),
  resource_type: z.string(),
  cloud: z.string(),
  account: z.string(),
  region: z.string(),
  key: z.string().describe('Tag key as spelled on the resource'),
  change: z.enum(DRIFT_CHANGES),
  old_value: z.string().nullable().describe('Value in the older snapshot; null when the tag was added'),
  new_value: z.string().nullable().describe('Value in the newer snapshot; null when the tag was removed'),
  severity: z.enum(DRIFT_SEVERITIES),
});

const countsSchema = z.object({ critical: z.number().int(), warning: z.number().int(), info: z.number().int() });

export const detectTagDrift = defineTool({
  name: 'detect_tag_drift',
  title: 'Detect tag drift',
  description:
    'Compares the tags of two stored snapshots and lists, per resource, tags added, removed and changed. By default ' +
    'the newest snapshot (scheduled audits, or check_tag_compliance with store_snapshot: true) is compared with the ' +
    'newest snapshot of the same scope taken at least lookback_days earlier (or, failing that, the oldest one; ' +
    'days_between says which span was compared); pass from_scan_id and to_scan_id (older, newer; see list_scans) to ' +
    'compare two given scans. Severity: critical = a tag the policy requires for that resource type was removed; ' +
    'warning = a value changed, or a tag no rule requires was removed; info = a tag was added. Only resources present ' +
    'in both scans are compared; summary.resources_only_in_from/to count the others. Filter by resource_types, ' +
    'accounts, regions, tag_keys and severity. summary (first page only) counts every page; pass next_cursor as ' +
    'cursor, with the same filters, for the next page. Does not start a scan.',
  inputSchema: z.object({
    resource_types: scopeParams.resource_types.optional().describe('Only these types (service:kind, or service:*); default every type'),
    tag_keys: z.array(z.string().min(1).max(128)).min(1).max(100).optional().describe('Only changes to these tag keys (exact spelling)'),
    lookback_days: z.number().int().min(1).max(365).default(7)
      .describe('Default comparison: the newest snapshot against the one at least this many days older'),
    from_scan_id: scanIdParam.optional().describe('The older scan (with to_scan_id)'),
    to_scan_id: scanIdParam.optional().describe('The newer scan; alone, it is compared with its own scope\'s snapshot lookback_days earlier'),
    accounts: z.array(z.string().min(1).max(64)).min(1).max(1000).optional().describe('Only these accounts (AWS account ids, subscriptions, projects)'),
    regions: z.array(z.string().min(1).max(64)).min(1).max(100).optional().describe('Only these regions'),
    filters: scopeParams.filters,
    severity: z.enum(['all', ...DRIFT_SEVERITIES]).default('all').describe('Only changes of this severity'),
    limit: z.number().int().min(1).max(1000).default(100).describe('Changes per page'),
    cursor: z.string().max(4096).optional().describe('next_cursor of the previous page; omit for the first page'),
  }).strict(),
  outputSchema: z.object({
    from_scan: scanRefSchema.describe('The older snapshot'),
    to_scan: scanRefSchema.describe('The newer snapshot'),
    days_between: z.number().nullable().describe('Days between the two snapshots, one decimal'),
    changes: z.array(changeSchema).describe('This page, ordered by resource_id then key'),
    summary: z.object({
      changes: z.number().int(),
      resources_changed: z.number().int(),
      by_severity: countsSchema,
      by_change: z.object({ added: z.number().int(), removed: z.number().int(), changed: z.number().int() }),
      top_keys: z.array(countsSchema.extend({ key: z.string(), total: z.number().int() })).describe('Keys with the most changes (up to 50)'),
      distinct_keys: z.number().int(),
      resources_only_in_from: z.number().int().describe('Resources in the older scan only (deleted, or out of the newer scope)'),
      resources_only_in_to: z.number().int().describe('Resources in the newer scan only (created, or newly in scope)'),
    }).optional().describe('Over every page; on the first page only'),
    next_cursor: z.string().nullable(),
  }),
  annotations: { title: 'Detect tag drift', readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  async handler(ctx, input) {
    const filter = {
      resourceTypes: input.resource_types,
      accounts: merged(input.accounts, input.filters?.account_id),
      regions: merged(input.regions, input.filters?.region),
      tagKeys: input.tag_keys,
      severities: input.severity === 'all' ? undefined : [input.severity as DriftSeverity],
    };
    const fingerprint = JSON.stringify(filter);
    let from: DriftScan;
    let to: DriftScan;
    let after: { resourceId: string; key: string } | undefined;
    if (input.cursor !== undefined) {
      ({ from, to, after } = await positionOf(ctx.store, input.cursor, fingerprint));
    } else {
      ({ from, to } = await pickScans(ctx.store, input));
    }

    const policy = compilePolicy(await policyOf(ctx, to));
    const required = requiredKeyMaps(policy, await resourceTypesOf(ctx.store, to.id));
    const query = { ...filter, fromScanId: from.id, toScanId: to.id, required };
    const rows = await ctx.store.listTagDrift(query, { limit: input.limit + 1, after });
    const page = rows.slice(0, input.limit);
    const last = page.at(-1);
    const nextCursor = rows.length > input.limit && last
      ? encodeCursor({ scanId: JSON.stringify([from.id, to.id]), after: JSON.stringify([last.resourceId, last.key]), filter: fingerprint })
      : null;
    const summary = input.cursor === undefined ? await ctx.store.tagDriftSummary(query) : undefined;
    const days = from.finishedAt && to.finishedAt ? Math.round((Date.parse(to.finishedAt) - Date.parse(from.finishedAt)) / DAY_MS * 10) / 10 : null;

    const text = [
      `Tag drift from ${from.workflowId} to ${to.workflowId}${days === null ? '' : ` (${days} day(s))`}:`,
      summary
        ? `${summary.changes} change(s) on ${summary.resourcesChanged} resource(s): ${summary.bySeverity.critical} critical ` +
          `(required tag removed), ${summary.bySeverity.warning} warning, ${summary.bySeverity.info} info; ` +
          `${summary.byChange.added} added, ${summary.byChange.removed} removed, ${summary.byChange.changed} changed.` +
          (summary.resourcesOnlyInFrom || summary.resourcesOnlyInTo
            ? ` Not compared: ${summary.resourcesOnlyInFrom} resource(s) only in the older scan, ${summary.resourcesOnlyInTo} only in the newer.` : '')
        : `${page.length} more change(s).`,
      nextCursor ? 'Pass next_cursor as cursor for more.' : '',
    ].filter(Boolean).join(' ');
    return {
      structured: {
        from_scan: { scan_id: from.workflowId, finished_at: from.finishedAt },
        to_scan: { scan_id: to.workflowId, finished_at: to.finishedAt },
        days_between: days,
        changes: page.map((c) => ({
          resource_id: c.resourceId, resource_type: c.resourceType, cloud: c.cloud, account: c.account, region: c.region,
          key: c.key, change: c.change, old_value: c.oldValue, new_value: c.newValue, severity: c.severity,
        })),
        ...(summary ? {
          summary: {
            changes: summary.changes,
            resources_changed: summary.resourcesChanged,
            by_severity: summary.bySeverity,
            by_change: summary.byChange,
            top_keys: summary.topKeys,
            distinct_keys: summary.distinctKeys,
            resources_only_in_from: summary.resourcesOnlyInFrom,
            resources_only_in_to: summary.resourcesOnlyInTo,
          },
        } : {}),
        next_cursor: nextCursor,
      },
      text,
    };
  },
});

function merged(list: string[] | undefined, one: string | undefined): string[] | undefined {
  if (!list && !one) return undefined;
  return [...new Set([...(list ?? []), ...(one ? [one] : [])])].sort();
}

async function completedScan(store: Store, workflowId: string, param: string): Promise<DriftScan> {
  const scan = await store.scanByWorkflowId(workflowId);
  if (!scan) throw new ToolError(`${param}: no scan with id ${workflowId}; check the id with list_scans`);
  if (scan.status !== 'completed') {
    throw new ToolError(`${param}: scan ${workflowId} is ${scan.status}; only completed scans can be compared`);
  }
  return scan;
}

/** The two scans: given ids, else the newest snapshot (or to_scan_id) against its scope's baseline. */
async function pickScans(store: Store, input: { from_scan_id?: string; to_scan_id?: string; lookback_days: number }) {
  if (input.from_scan_id && !input.to_scan_id) throw new ToolError('from_scan_id needs to_scan_id (the newer scan) as well');
  if (input.from_scan_id && input.from_scan_id === input.to_scan_id) throw new ToolError('from_scan_id and to_scan_id are the same scan');
  const to = input.to_scan_id ? await completedScan(store, input.to_scan_id, 'to_scan_id') : await store.latestSnapshot();
  if (!to) {
    throw new ToolError('no stored snapshots yet: drift compares snapshots (scheduled audits, or check_tag_compliance with ' +
      'store_snapshot: true); take two, or pass from_scan_id and to_scan_id');
  }
  if (input.from_scan_id) {
    const from = await completedScan(store, input.from_scan_id, 'from_scan_id');
    if (from.finishedAt && to.finishedAt && Date.parse(from.finishedAt) > Date.parse(to.finishedAt)) {
      throw new ToolError(`from_scan_id (${from.workflowId}) finished after to_scan_id (${to.workflowId}): pass the older scan as from_scan_id`);
    }
    return { from, to };
  }
  const cutoff = new Date(Date.parse(to.finishedAt!) - input.lookback_days * DAY_MS);
  const from = await store.baselineSnapshot(to, cutoff);
  if (!from) {
    throw new ToolError(`scan ${to.workflowId} has no earlier snapshot of the same scope to compare with; ` +
      'take another snapshot later, or pass from_scan_id and to_scan_id');
  }
  return { from, to };
}

/** The scans and position a cursor points at, checked against this call's filters. */
async function positionOf(store: Store, cursor: string, fingerprint: string) {
  let decoded;
  let ids: unknown;
  let at: unknown;
  try {
    decoded = decodeCursor(cursor);
    ids = JSON.parse(decoded.scanId);
    at = JSON.parse(decoded.after);
  } catch (err) {
    if (err instanceof CursorError || err instanceof SyntaxError) {
      throw new ToolError('invalid cursor: pass next_cursor exactly as returned, or omit cursor to start over');
    }
    throw err;
  }
  const pair = (v: unknown): v is [string, string] => Array.isArray(v) && v.length === 2 && v.every((s) => typeof s === 'string');
  if (!pair(ids) || !pair(at)) throw new ToolError('invalid cursor: pass next_cursor exactly as returned, or omit cursor to start over');
  if (decoded.filter !== fingerprint) {
    throw new ToolError('the cursor was issued for other filters; repeat the first call\'s parameters, or omit cursor to start over');
  }
  const [from, to] = await Promise.all(ids.map((id) => store.getScan(id)));
  if (!from || !to) throw new ToolError('a scan this cursor compares is no longer stored; call again without cursor');
  const view = (s: NonNullable<typeof from>): DriftScan => ({
    id: s.id, workflowId: s.workflowId, status: s.status, finishedAt: s.finishedAt, scopeHash: s.scopeHash,
    policyVersionId: s.policyVersionId, storeSnapshot: s.storeSnapshot,
  });
  return { from: view(from), to: view(to), after: { resourceId: at[0], key: at[1] } };
}

/**
 * The (cloud, type) pairs of a scan: from its totals, which completeScan computes by SQL from the
 * stored rows (every cloud x type: a pair that does not occur costs nothing); without them, a scan.
 */
async function resourceTypesOf(store: Store, scanId: string): Promise<{ cloud: Cloud; resourceType: string }[]> {
  const totals = (await store.getScan(scanId))?.totals;
  const types = Object.keys(totals?.byResourceType ?? {});
  if (types.length === 0) return store.scanResourceTypes(scanId);
  const clouds = CLOUDS.filter((c) => !totals?.byCloud || c in totals.byCloud);
  return clouds.flatMap((cloud) => types.map((resourceType) => ({ cloud, resourceType })));
}

/** The policy the newer scan was evaluated against; the active one when the scan recorded none. */
async function policyOf(ctx: ToolContext, scan: DriftScan) {
  if (scan.policyVersionId !== null) {
    const version = await ctx.store.getPolicyVersion(scan.policyVersionId);
    if (version) return parsePolicy(version.document);
  }
  return (await loadActivePolicy(ctx.store, ctx.config.policy.path)).policy;
}
