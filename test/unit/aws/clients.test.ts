import { describe, expect, it } from 'vitest';
import { AwsClients, MAX_CACHED_CLIENTS } from '../../../cloud/aws/clients.js';

describe('AwsClients cache', () => {
  it('keeps at most MAX_CACHED_CLIENTS clients, dropping the least recently used', () => {
    const clients = new AwsClients({ endpoint: 'http://127.0.0.1:9', roleName: 'OrganizationAccountAccessRole', sessionDurationSeconds: 900 });
    try {
      const first = clients.client('ec2', '123456789012', 'us-east-1');
      for (let i = 1; i < MAX_CACHED_CLIENTS; i++) clients.client('ec2', '123456789012', `zz-fake-${i}`);
      expect(clients.cachedClients).toBe(MAX_CACHED_CLIENTS);
      // Touching the first makes it the most recent, so the next new region evicts zz-fake-1 instead.
      expect(clients.client('ec2', '123456789012', 'us-east-1')).toBe(first);
      const second = clients.client('ec2', '123456789012', 'zz-fake-2');
      clients.client('ec2', '123456789012', 'zz-fake-new');
      expect(clients.cachedClients).toBe(MAX_CACHED_CLIENTS);
      expect(clients.client('ec2', '123456789012', 'us-east-1')).toBe(first);
      expect(clients.client('ec2', '123456789012', 'zz-fake-2')).toBe(second);
    } finally {
      clients.destroy();
    }
  });
});
