// Reads behind suggest_tags: which completed scan holds a resource, and a scan's resources as
// keyset pages of exactly what the suggestion model reads (no violations, no costs).
import type { SuggestSubject } from '../core/suggest/index.js';
import { positiveLimit } from './columns.js';
import type { Db } from './db.js';
import type { ScanResourceSqlRow } from './scan-resources.js';

const MAX_PAGE = 10_000;

/** The columns the suggester reads, as `pg` returns them. */
type SubjectRow = Pick<ScanResourceSqlRow, 'resource_id' | 'cloud' | 'account' | 'region' | 'resource_type' | 'name' | 'tags' | 'context'>;

const SUBJECT_COLUMNS = 'resource_id, cloud, account, region, resource_type, name, tags, context';

function toSubject(row: SubjectRow): SuggestSubject {
  return {
    resourceId: row.resource_id, cloud: row.cloud, account: row.account, region: row.region,
    resourceType: row.resource_type, name: row.name, tags: row.tags, context: row.context,
  };
}

export function createSuggestionQueries(db: Db) {
  return {
    /**
     * The id of the newest completed scan that saw this resource. Scans are few next to their rows,
     * so this walks scans newest first and probes each by primary key: no index on resource_id alone.
     */
    async latestScanIdWithResource(resourceId: string): Promise<string | undefined> {
      const [row] = await db.query<{ id: string }>(
        `select s.id from scans s
         where s.status = 'completed'
           and exists (select 1 from scan_resources r where r.scan_id = s.id and r.resource_id = $1)
         order by s.finished_at desc nulls last, s.id desc limit 1`, [resourceId]);
      return row?.id;
    },

    /** The newest completed run of a scan named by its workflow id (what tools show) or its store id. */
    async completedScanIdByName(name: string): Promise<string | undefined> {
      const [row] = await db.query<{ id: string }>(
        `select id from scans where (workflow_id = $1 or id = $1) and status = 'completed'
         order by finished_at desc nulls last, id desc limit 1`, [name]);
      return row?.id;
    },

    async suggestionSubject(scanId: string, resourceId: string): Promise<SuggestSubject | undefined> {
      const [row] = await db.query<SubjectRow>(
        `select ${SUBJECT_COLUMNS} from scan_resources where scan_id = $1 and resource_id = $2`, [scanId, resourceId]);
      return row && toSubject(row);
    },

    /**
     * A page of a scan's resources as the model reads them, ordered by resource id; `tagged` keeps
     * those with at least one tag (what training learns from), `nonCompliant` those to suggest for.
     */
    async suggestionSubjects(scanId: string, opts: { tagged?: boolean; nonCompliant?: boolean; after?: string; limit: number }): Promise<SuggestSubject[]> {
      const rows = await db.query<SubjectRow>(
        `select ${SUBJECT_COLUMNS} from scan_resources
         where scan_id = $1 and ($2::text is null or resource_id > $2)
           and (not $3::boolean or tags <> '{}'::jsonb) and (not $4::boolean or not compliant)
         order by resource_id limit $5`,
        [scanId, opts.after ?? null, opts.tagged ?? false, opts.nonCompliant ?? false, positiveLimit(opts.limit, MAX_PAGE)]);
      return rows.map(toSubject);
    },
  };
}
