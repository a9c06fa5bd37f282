// The one-sentence refusals of malformed tools/call params, which the gateway answers (and audits)
// before the SDK would: what is wrong, said for each shape a buggy or hostile client may send.
import { describe, expect, it } from 'vitest';
import { toolCallProblem } from '../../../mcp-gateway/tool-call-screen.js';

describe('toolCallProblem', () => {
  it.each([
    [undefined, /^tools\/call needs params, an object with the tool's name and arguments$/],
    [null, /needs params.*, not null$/],
    [[1], /needs params.*, not an array$/],
    [{ arguments: {} }, /^tools\/call needs params\.name, the name of a tool from tools\/list \(a string\)$/],
    [{ name: 42 }, /needs params\.name.*, not a number$/],
    [{ name: 'list_scans', arguments: 'all' }, /params\.arguments must be an object of the tool's named arguments, not a string$/],
    [{ name: 'list_scans', arguments: [1, 2] }, /params\.arguments must be an object.*, not an array$/],
    [{ name: 'list_scans', arguments: null }, /params\.arguments must be an object.*, not null$/],
    [{ name: 'list_scans', task: 'soon' }, /^tools\/call params\.task is not valid: /],
    [{ name: 'list_scans', task: { ttl: -1 } }, /^tools\/call params\.task\.ttl is not valid: /],
    [{ name: 'list_scans', _meta: 'x' }, /^tools\/call params\._meta is not valid: /],
  ])('refuses %j', (params, message) => {
    expect(toolCallProblem(params)).toMatch(message);
  });

  it.each([
    [{ name: 'list_scans' }],
    [{ name: 'list_scans', arguments: {} }],
    [{ name: 'check_tag_compliance', arguments: { resource_types: ['ec2:instance'] }, task: { ttl: 60_000 }, _meta: { progressToken: 1 } }],
    [{ name: 'anything', extra: true }],
  ])('passes %j', (params) => {
    expect(toolCallProblem(params)).toBeUndefined();
  });
});
