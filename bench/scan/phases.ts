// Where a full scan's time goes, read from the parent workflow's history: planning (start to the
// first account's child workflow), the accounts (first child started to last child closed) and
// closing (last child closed to the workflow's result, i.e. completeScan's totals over the snapshot).
import type { WorkflowHandle } from '@temporalio/client';

type Event = NonNullable<Awaited<ReturnType<WorkflowHandle['fetchHistory']>>['events']>[number];

const seconds = (event: Event | undefined) => {
  const t = event?.eventTime;
  return t ? Number(t.seconds ?? 0) + (t.nanos ?? 0) / 1e9 : NaN;
};

export interface ScanPhases {
  planning: number;
  accounts: number;
  closing: number;
}

export function phasesOf(events: Event[]): ScanPhases {
  const firstChild = events.find((e) => e.startChildWorkflowExecutionInitiatedEventAttributes);
  const lastChildEnd = events.findLast((e) => e.childWorkflowExecutionCompletedEventAttributes
    || e.childWorkflowExecutionFailedEventAttributes);
  return {
    planning: seconds(firstChild) - seconds(events[0]),
    accounts: seconds(lastChildEnd) - seconds(firstChild),
    closing: seconds(events.at(-1)) - seconds(lastChildEnd),
  };
}
