// Whether a pid names a live process: the lock, pid and local-stack files all ask it of a pid
// they recorded, to tell a running owner from one that died without cleaning up.
import { readFileSync } from 'node:fs';

export function processAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) return false; // exited, not yet reaped
  } catch {
    // no /proc (macOS) or no such process: ask kill(0)
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // alive, owned by someone else
  }
}
