// Shard planning and ARN placement: pure functions the scan's correctness rests on.
import { describe, expect, it } from 'vitest';
import { planShards } from '../../../cloud/aws/plan.js';
import { parseArn, regionOfArn } from '../../../core/aws/arn.js';
import { taggingApiFilter, typeSelected } from '../../../core/aws/resource-types.js';

const label = (s: ReturnType<typeof planShards>[number]) =>
  `${s.region} ${s.source.kind === 'service' ? s.source.resourceType : `tagged:${s.source.filters?.join(',') ?? 'all'}${s.source.includeGlobal ? '+global' : ''}`}`;

describe('planShards', () => {
  it('lists each core type per region and S3 once per account, in the home region', () => {
    const shards = planShards(['eu-west-1', 'us-east-1'], ['s3:bucket', 'ec2:instance']).map(label);
    expect(shards.sort()).toEqual(['eu-west-1 ec2:instance', 'us-east-1 ec2:instance', 'us-east-1 s3:bucket']);
  });

  it('sends other types to the Tagging API, with global types only in the home region', () => {
    const shards = planShards(['us-east-1', 'eu-west-1'], ['sqs:queue', 'cloudfront:distribution']).map(label);
    expect(shards).toEqual(['us-east-1 tagged:sqs,cloudfront:distribution+global', 'eu-west-1 tagged:sqs']);
  });

  it('leaves the types of other clouds in a mixed scope out of every AWS shard', () => {
    const shards = planShards(['us-east-1'], ['ec2:instance', 'azure:compute/virtualmachines', 'gcp:compute.googleapis.com/Instance', 'sqs:queue']);
    expect(shards.map(label).sort()).toEqual(['us-east-1 ec2:instance', 'us-east-1 tagged:sqs+global']);
    expect(JSON.stringify(shards)).not.toMatch(/azure|gcp/);
    expect(planShards(['us-east-1'], ['azure:*', 'gcp:*'])).toEqual([]);
  });

  it('plans every lister plus an unfiltered Tagging API shard for "all"', () => {
    const shards = planShards(['us-east-1', 'eu-west-1'], ['all']).map(label);
    expect(shards.filter((s) => s.startsWith('us-east-1'))).toHaveLength(6 + 1);
    expect(shards.filter((s) => s.startsWith('eu-west-1'))).toHaveLength(5 + 1);
    expect(shards).toContain('us-east-1 tagged:all+global');
    expect(shards).toContain('eu-west-1 tagged:all');
  });

  it('skips a global-only Tagging API shard outside the home region', () => {
    expect(planShards(['eu-west-1', 'us-east-1'], ['iam:role']).map(label)).toEqual(['us-east-1 tagged:iam:role+global']);
  });

  it('expands wildcards to the listers of that service', () => {
    expect(planShards(['us-east-1'], ['ec2:*']).map(label)).toEqual(['us-east-1 ec2:instance', 'us-east-1 ec2:volume', 'us-east-1 tagged:ec2+global']);
  });
});

describe('ARNs and type filters', () => {
  it.each([
    ['arn:aws:ec2:us-east-1:123456789012:instance/i-0abc', 'ec2:instance', 'us-east-1', 'i-0abc'],
    ['arn:aws:s3:::my-bucket', 's3:bucket', 'global', 'my-bucket'],
    ['arn:aws:rds:eu-west-1:123456789012:db:orders', 'rds:db', 'eu-west-1', 'orders'],
    ['arn:aws:lambda:eu-west-1:123456789012:function:resize', 'lambda:function', 'eu-west-1', 'resize'],
    ['arn:aws:dynamodb:us-east-1:123456789012:table/orders', 'dynamodb:table', 'us-east-1', 'orders'],
    ['arn:aws:sqs:us-east-1:123456789012:jobs', 'sqs:queue', 'us-east-1', 'jobs'],
    ['arn:aws:iam::123456789012:role/admin', 'iam:role', 'global', 'admin'],
    ['arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/50dc6c495c0c9188', 'elasticloadbalancing:loadbalancer', 'us-east-1', '50dc6c495c0c9188'],
  ])('%s is %s in %s', (arn, type, region, name) => {
    const parts = parseArn(arn);
    expect({ type: parts.type, region: regionOfArn(parts), name: parts.name }).toEqual({ type, region, name });
  });

  it('rejects what is not an ARN, naming it', () => {
    expect(() => parseArn('i-0abc')).toThrow(/not an ARN: "i-0abc"/);
  });

  it('maps types to Tagging API filters and matches wildcards', () => {
    expect(['ec2:instance', 's3:bucket', 'ec2:*', 'sqs:queue'].map(taggingApiFilter)).toEqual(['ec2:instance', 's3', 'ec2', 'sqs']);
    expect(typeSelected('ec2:volume', ['ec2:*'])).toBe(true);
    expect(typeSelected('ec2:volume', ['ec2:instance'])).toBe(false);
    expect(typeSelected('rds:db', ['all'])).toBe(true);
  });
  it('limits the once-per-account S3 listing to regions chosen by the scope or config', () => {
    const s3 = (onlyThese: boolean) => planShards(['eu-west-1', 'us-east-1'], ['s3:bucket'], onlyThese).map((s) => s.source);
    expect(s3(true)).toEqual([{ kind: 'service', resourceType: 's3:bucket', regions: ['eu-west-1', 'us-east-1'] }]);
    expect(s3(false)).toEqual([{ kind: 'service', resourceType: 's3:bucket' }]);
  });
});
