// Child workflow id of one account of a scan. Workflows import it, so it stays free of Node
// modules; clients read running accounts' progress through it.
export function accountWorkflowId(scanId: string, accountId: string): string {
  return `${scanId}--${accountId}`;
}
