// The call guard's digests: equal JSON arguments count as one call whatever their key order, and
// any argument (NUL, control characters, lone surrogates, megabytes, deep nesting) hashes to a
// fixed-size hex digest without throwing, distinct from its near neighbours.
import { describe, expect, it } from 'vitest';
import { argumentsDigest, callDigest, principalDigest, type GuardKey } from '../../../mcp-gateway/guard/fingerprint.js';
import { conversationIdFrom, CONVERSATION_ID_META_KEY, guardKeyOf } from '../../../mcp-gateway/guard/principal.js';
import { ToolError } from '../../../mcp-gateway/errors.js';

const alice: GuardKey = { principal: 'key:aaaa' };
const HEX64 = /^[0-9a-f]{64}$/;

function nested(depth: number): unknown {
  let value: unknown = 'leaf';
  for (let i = 0; i < depth; i++) value = i % 2 ? { k: value } : [value];
  return value;
}

describe('call digests', () => {
  it('is the same for the same arguments in any key order, and differs when any value, tool or caller differs', () => {
    const a = callDigest(alice, 'check_tag_compliance', { resource_types: ['ec2:instance'], filters: { region: 'us-east-1', account_id: '1' } });
    const b = callDigest(alice, 'check_tag_compliance', { filters: { account_id: '1', region: 'us-east-1' }, resource_types: ['ec2:instance'] });
    expect(a).toMatch(HEX64);
    expect(b).toBe(a);
    const others = [
      callDigest(alice, 'check_tag_compliance', { resource_types: ['ec2:volume'], filters: { region: 'us-east-1', account_id: '1' } }),
      callDigest(alice, 'start_compliance_scan', { resource_types: ['ec2:instance'], filters: { region: 'us-east-1', account_id: '1' } }),
      callDigest({ principal: 'key:bbbb' }, 'check_tag_compliance', { resource_types: ['ec2:instance'], filters: { region: 'us-east-1', account_id: '1' } }),
      callDigest({ ...alice, conversation: 'c1' }, 'check_tag_compliance', { resource_types: ['ec2:instance'], filters: { region: 'us-east-1', account_id: '1' } }),
    ];
    expect(new Set([a, ...others]).size).toBe(5);
  });

  it('keeps strings that differ only by NUL, control characters or lone surrogates apart', () => {
    const values = ['a', 'a\u0000', 'a\u0000b', 'ab', 'a\u0001b', 'a\nb', 'a\\u0000b', 'a\ud800', 'a\udc00', 'a\ud800\udc00', ''];
    const digests = values.map((v) => callDigest(alice, 't', { v }));
    for (const d of digests) expect(d).toMatch(HEX64);
    expect(new Set(digests).size).toBe(values.length);
  });

  it('cannot be made to collide by moving text between principal, conversation and tool', () => {
    const digests = [
      callDigest({ principal: 'ab' }, 'c', {}),
      callDigest({ principal: 'a' }, 'bc', {}),
      callDigest({ principal: 'a', conversation: 'b' }, 'c', {}),
      callDigest({ principal: 'a', conversation: '' }, 'bc', {}),
      callDigest({ principal: 'a\u0000b' }, 'c', {}),
    ];
    expect(new Set(digests).size).toBe(digests.length);
    expect(principalDigest({ principal: 'a' })).not.toBe(principalDigest({ principal: 'b' }));
    expect(principalDigest({ principal: 'a', conversation: 'x' })).toBe(principalDigest({ principal: 'a', conversation: 'y' }));
  });

  it('tells arrays, objects, numbers, strings, booleans and null apart', () => {
    const values: unknown[] = [[], {}, [null], { a: null }, 1, '1', true, 'true', null, 'null', [1, 2], [2, 1], { a: [1] }, { a: 1 }];
    const digests = values.map((v) => argumentsDigest('t', v));
    expect(new Set(digests).size).toBe(values.length);
  });

  it('hashes megabytes and nesting far deeper than the call stack, and refuses a cycle instead of looping', () => {
    const huge = 'x\u0000'.repeat(2_000_000);
    expect(callDigest(alice, 't', { huge })).toMatch(HEX64);
    expect(callDigest(alice, 't', { huge })).not.toBe(callDigest(alice, 't', { huge: `${huge}x` }));
    const deep = nested(200_000);
    expect(callDigest(alice, 't', deep)).toMatch(HEX64);
    expect(callDigest(alice, 't', deep)).not.toBe(callDigest(alice, 't', nested(199_999)));
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = { back: cyclic };
    expect(() => callDigest(alice, 't', cyclic)).toThrow(/contains itself/);
    const shared = { x: 1 }; // the same object twice is not a cycle
    expect(callDigest(alice, 't', { a: shared, b: shared })).toBe(callDigest(alice, 't', { a: { x: 1 }, b: { x: 1 } }));
  });
});

describe('guard keys', () => {
  it('counts the strongest identity a request carries', () => {
    expect(guardKeyOf({ apiKeyHash: 'AB12', tokenSubject: 's', clientAddress: '10.0.0.1' })).toEqual({ principal: 'key:ab12' });
    expect(guardKeyOf({ tokenSubject: 'user-1', tokenIssuer: 'https://idp', clientAddress: '10.0.0.1' }, 'conv-1'))
      .toEqual({ principal: 'sub:https://idp:user-1', conversation: 'conv-1' });
    expect(guardKeyOf({ clientAddress: '127.0.0.1' })).toEqual({ principal: 'ip:127.0.0.1' });
  });

  it('reads a conversation id from _meta, and refuses a malformed one with a message that names the key', () => {
    expect(conversationIdFrom(undefined)).toBeUndefined();
    expect(conversationIdFrom({ progressToken: 1 })).toBeUndefined();
    expect(conversationIdFrom({ [CONVERSATION_ID_META_KEY]: 'chat-42' })).toBe('chat-42');
    for (const bad of ['', 'a b', 'a\u0000', 'x'.repeat(129), 42, { id: 1 }]) {
      expect(() => conversationIdFrom({ [CONVERSATION_ID_META_KEY]: bad })).toThrow(ToolError);
    }
    expect(() => conversationIdFrom({ [CONVERSATION_ID_META_KEY]: 'a\nb' })).toThrow(CONVERSATION_ID_META_KEY);
  });
});
