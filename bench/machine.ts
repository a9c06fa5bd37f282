// What every bench says about the host it ran on. Machines of one kind differ, and so does one
// machine over a day (its host's other tenants): the gateway has cost 0.27 to 0.90 ms of CPU per
// call on hosts all named "Intel(R) Xeon(R) Processor". The CPU's model number and the time of a
// fixed single-threaded workload, taken before the load, let such figures be compared.
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
 * Microseconds one JSON round trip of a 10 KB object (a page of 50 violations) takes here, best of
 * five rounds of 2,000: the gateway's kind of work, single-threaded, so a slower host shows here
 * before it shows in a latency. Lower is faster. Compares hosts on one Node version only (Node 20
 * takes about 40% longer than 24). Run it while the machine is idle.
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
