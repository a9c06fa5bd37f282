// Which stored scan a page shows: the one named by `?scan=` (a workflow id, as tools name scans),
// else the newest completed snapshot, else the newest completed scan.
import type { ScanRecord, Store } from '../../store/index.js';

const RECENT = 50;

export interface ScanChoice {
  scan: ScanRecord | undefined;
  /** Completed scans, newest first, for the picker. */
  recent: ScanRecord[];
}

export async function chooseScan(store: Store, workflowId: string | undefined): Promise<ScanChoice> {
  const recent = (await store.listScans({ limit: RECENT })).filter((s) => s.status === 'completed');
  if (workflowId) return { scan: recent.find((s) => s.workflowId === workflowId), recent };
  const [snapshot] = await store.listScans({ limit: 1, snapshotsOnly: true });
  return { scan: snapshot ?? recent[0], recent };
}

/** The scan picker: a GET form, so a choice is a plain link. */
export function scanOptions(choice: ScanChoice): { value: string; label: string; selected: boolean }[] {
  const list = choice.scan && !choice.recent.some((s) => s.id === choice.scan!.id) ? [choice.scan, ...choice.recent] : choice.recent;
  return list.map((s) => ({
    value: s.workflowId,
    label: `${s.finishedAt?.slice(0, 16).replace('T', ' ') ?? '?'} · ${s.storeSnapshot ? 'snapshot' : s.trigger} · ${s.workflowId}`,
    selected: s.id === choice.scan?.id,
  }));
}
