// freePort chooses a server's port where no outgoing connection can take it first (worker/free-port.ts).
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { ephemeralRangeStart, freePort, LOWEST_CHOSEN_PORT } from '../../../worker/free-port.js';

const listen = (port: number) => new Promise<net.Server>((resolve, reject) => {
  const server = net.createServer();
  server.once('error', reject).listen(port, '127.0.0.1', () => resolve(server));
});
const close = (server: net.Server) => new Promise<void>((resolve) => server.close(() => resolve()));

describe('freePort', () => {
  // Where the range can't be read (not Linux) the OS assigns the port, as before.
  it.skipIf(ephemeralRangeStart() === undefined)('picks ports below the kernel\'s ephemeral range, where no outgoing connection takes its source port, that a server can bind', async () => {
    const rangeStart = ephemeralRangeStart()!;
    const ports = await Promise.all(Array.from({ length: 30 }, () => freePort()));
    for (const port of ports) {
      expect(port).toBeGreaterThanOrEqual(LOWEST_CHOSEN_PORT);
      expect(port).toBeLessThan(rangeStart);
    }
    expect(new Set(ports).size).toBeGreaterThan(25); // random over thousands of ports, not one fixed port
    const servers = await Promise.all(ports.slice(0, 5).map(listen));
    await Promise.all(servers.map(close));
  });

  it('says why when the host has no address to bind', async () => {
    await expect(freePort('192.0.2.1')).rejects.toThrow(/EADDRNOTAVAIL/);
  });
});
