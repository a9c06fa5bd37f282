// What every bench says about the host it ran on. Machines of one kind differ: two hosts sold as the
// same "Intel Xeon Processor" ran the gateway at 0.30 and 0.80 ms of CPU per call. The CPU model
// number and a fixed single-threaded workload's time let figures from different hosts be compared.
import { readFileSync } from 'node:fs';
import os from 'node:os';

/** The CPU's name, core count and, on Linux, its family/model/stepping (the generation the name hides). */
export function cpuDescription(): string {
  const cpus = os.cpus();
  const name = `${cpus[0]?.model ?? 'unknown cpu'} x ${cpus.length}`;
  let cpuinfo = '';
  try {
    cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    return name; // not Linux
  }
  const field = (key: string) => new RegExp(`^${key}\\s*: (.*)$`, 'm').exec(cpuinfo)?.[1]?.trim();
  const [family, model, stepping] = [field('cpu family'), field('model'), field('stepping')];
  return family && model ? `${name} (family ${family}, model ${model}, stepping ${stepping ?? '?'})` : name;
}

/**
 * Microseconds one JSON round trip of a 10 KB object (a page of 50 violations) takes on this host (best of five rounds of
 * 2,000): the gateway's kind of work, single-threaded, so a slower host shows here before it shows
 * in a latency. Lower is faster. Run it while the machine is idle.
 */
export function hostSpeedMicros(): number {
  const violations = Array.from({ length: 50 }, (_, i) => ({
    resource_id: `arn:aws:ec2:us-east-1:123456789012:instance/i-${String(i).padStart(17, '0')}`,
    resource_type: 'ec2:instance', region: 'us-east-1', violation_type: 'missing_required_tag', tag_name: 'Owner', severity: 'error',
  }));
  let best = Infinity;
  for (let round = 0; round < 5; round++) {
    const started = performance.now();
    for (let i = 0; i < 2000; i++) JSON.parse(JSON.stringify({ i, violations }));
    best = Math.min(best, ((performance.now() - started) * 1000) / 2000);
  }
  return best;
}

/** The row each bench prints for its host: CPU, memory and, when measured, the JSON round trip. */
export function hostRow(speedMicros?: number): [string, string] {
  const speed = speedMicros === undefined ? '' : `; JSON round trip of 10 KB ${speedMicros.toFixed(1)} µs (lower is faster)`;
  return ['cpu', `${cpuDescription()}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB${speed}`];
}
