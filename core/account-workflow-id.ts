// Child workflow id of one target of a scan. Workflows import it, so it stays free of Node
// modules; clients read running targets' progress through it.

/** A target as the scan's progress lists it: an AWS account id as is, other clouds' ids prefixed. */
export function targetKey(cloud: string, target: string): string {
  return cloud === 'aws' ? target : `${cloud}:${target}`;
}

/** `key`: a targetKey (for AWS, the account id, as before targets had clouds). */
export function accountWorkflowId(scanId: string, key: string): string {
  return `${scanId}--${key}`;
}
