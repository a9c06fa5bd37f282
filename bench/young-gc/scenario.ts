// One workload of bench/young-gc.ts, run in a child process started with --trace-gc-nvp so the
// parent can read what each scavenge kept. Usage: scenario.ts <name> <seconds>. Prints `calls/s N`
// last, on stdout beside the trace.
import { createMcpHandler, Server } from '@modelcontextprotocol/server';
import { z } from 'zod';

const [name = '', seconds = '4'] = process.argv.slice(2);
const META = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientCapabilities': {},
  'io.modelcontextprotocol/clientInfo': { name: 'bench', version: '1.0.0' },
};
const CALL = { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'check', arguments: { accounts: ['123456789012'] }, _meta: META } };
const HEADERS = {
  'content-type': 'application/json', accept: 'application/json, text/event-stream',
  'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'check',
};
// The shape of a JSON-RPC result, as the SDK checks every message it sends or receives against it.
const RESULT = z.object({ jsonrpc: z.literal('2.0'), id: z.union([z.string(), z.number().int()]), result: z.object({}).passthrough() }).strict();

/** One unit of work; a fresh input each time, as a request brings. */
const scenarios: Record<string, () => unknown> = {
  // A failing parse: the SDK asks "is this a result?" of every request it receives.
  'zod-failing-parse': () => RESULT.safeParse(structuredClone(CALL)).success,
  'zod-passing-parse': () => RESULT.safeParse({ jsonrpc: '2.0', id: 1, result: { content: [] } }).success,
  'sdk-2026-tools-call': (() => {
    const handler = createMcpHandler(() => {
      const server = new Server({ name: 'bench', version: '1.0.0' }, { capabilities: { tools: {} } });
      server.setRequestHandler('tools/call', async () => ({ content: [{ type: 'text', text: 'ok' }] }));
      return server;
    }, { legacy: 'reject' });
    return async () => (await handler.fetch(new Request('http://127.0.0.1/mcp', { method: 'POST', headers: HEADERS }),
      { parsedBody: structuredClone(CALL) })).text();
  })(),
};

const work = scenarios[name];
if (!work) throw new Error(`unknown scenario ${name}; the scenarios are ${Object.keys(scenarios).join(', ')}`);
const end = performance.now() + Number(seconds) * 1000;
let calls = 0;
// Five in flight, as concurrent requests are; a macrotask turn every 64 calls, as I/O gives.
await Promise.all(Array.from({ length: 5 }, async () => {
  while (performance.now() < end) {
    await work();
    if (++calls % 64 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
}));
process.stdout.write(`calls/s ${Math.round(calls / Number(seconds))}\n`);
