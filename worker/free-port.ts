// A port for a server this project starts on an address it picks (the Temporal dev server and its
// UI, the SDK's metrics exporter, the servers tests start). It is chosen below the kernel's
// ephemeral range: a port from inside that range can be taken, between choosing it and binding
// it, as the source port of any outgoing connection on the machine, and the server then fails with
// "address already in use" (CI saw it with the dev server's UI port under a busy test suite).
import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import net from 'node:net';

/** The lowest port chosen: above the well-known and most registered service ports. */
export const LOWEST_CHOSEN_PORT = 10_000;
const TRIES_BELOW_RANGE = 20;

/** The first port of the kernel's ephemeral range (Linux), or undefined where it can't be read. */
export function ephemeralRangeStart(): number | undefined {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > 0 ? low : undefined;
  } catch {
    return undefined;
  }
}

/** Listens on `port` (0: one the OS assigns) and closes again: the port bound, or the error. */
function tryListen(port: number, host: string): Promise<{ port: number } | { error: Error }> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', (error) => resolve({ error }));
    server.listen(port, host, () => {
      const bound = (server.address() as net.AddressInfo).port;
      server.close(() => resolve({ port: bound }));
    });
  });
}

/** A TCP port free on `host` now, below the ephemeral range where there is room; else one the OS assigns. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const rangeStart = ephemeralRangeStart();
  if (rangeStart !== undefined && rangeStart - LOWEST_CHOSEN_PORT >= 1000) {
    for (let i = 0; i < TRIES_BELOW_RANGE; i++) {
      const tried = await tryListen(LOWEST_CHOSEN_PORT + randomInt(rangeStart - LOWEST_CHOSEN_PORT), host);
      if ('port' in tried) return tried.port;
    }
  }
  const assigned = await tryListen(0, host);
  if ('error' in assigned) throw assigned.error;
  return assigned.port;
}
