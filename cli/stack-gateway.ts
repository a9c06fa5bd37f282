// Starting a scan through the `start` running on this data dir when it holds the embedded store
// (PGlite opens in one process only): its HTTP gateway's start_compliance_scan tool applies the
// same checks (known types and regions, allowed accounts, caps) and starts the same workflow.
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { ScopeArgs } from '../mcp-gateway/scans/params.js';
import { ScopeRefusal } from './args.js';
import type { LocalStack } from './local-stack.js';

/** The scan id the gateway started or joined; a refusal of the scope is a usage error (exit 2). */
export async function startScanThroughStack(stack: LocalStack, scope: ScopeArgs, apiKey = process.env.FINOPS_API_KEY || undefined): Promise<string> {
  const client = new Client({ name: 'finops-tag-compliance-cli', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${stack.httpUrl}/mcp`), {
    requestInit: apiKey ? { headers: { authorization: `Bearer ${apiKey}` } } : {},
  }));
  try {
    const result = await client.callTool({ name: 'start_compliance_scan', arguments: { ...scope } });
    const text = (result.content as Array<{ type: string; text?: string }> | undefined)?.find((c) => c.type === 'text')?.text ?? '';
    if (result.isError) throw new ScopeRefusal(`scan: the running stack refused the scan: ${text}`);
    const scanId = (result.structuredContent as { scan_id?: unknown } | undefined)?.scan_id;
    if (typeof scanId !== 'string') throw new Error(`the running stack started no scan: ${text.slice(0, 300)}`);
    return scanId;
  } finally {
    await client.close();
  }
}
