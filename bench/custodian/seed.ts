// The inventory the Custodian side-by-side bench scans: the test organisation of
// test/support/aws-seed.ts (every core type, each tagging variant, over 2 accounts x 2 regions),
// made a few thousand resources big with more EC2 instances (each with its untagged root volume),
// tagged EBS volumes (`scale`) and S3 buckets, all tagged like the seeder's variants.
import { EC2Client, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { CreateBucketCommand, PutBucketTaggingCommand, S3Client, type BucketLocationConstraint } from '@aws-sdk/client-s3';
import { accountCredentials, DEFAULT_ACCOUNTS, DEFAULT_REGIONS, seedOrg, VARIANTS, type SeededOrg, type Variant } from '../../test/support/aws-seed.js';
import { awsClientConfig } from '../../test/support/moto.js';

export interface InventorySize {
  /** EC2 instances per tagging variant, account and region (one RunInstances each). */
  instancesPerVariant: number;
  /** S3 buckets per tagging variant, account and region. */
  bucketsPerVariant: number;
  /** The seeder's volume scale: 5 tagged volumes per unit, per account and region. */
  volumeScale: number;
}

const AMI = 'ami-760aaa0f';
const ENVIRONMENTS = ['production', 'staging', 'development'];

/** Tags of a variant, as test/support/aws-seed.ts writes them (scan-policy.json's rules). */
function tagsFor(variant: Variant, n: number): { Key: string; Value: string }[] {
  const owner = `owner${n % 7}@example.com`;
  const environment = ENVIRONMENTS[n % ENVIRONMENTS.length]!;
  const costCenter = `CC-${String(1000 + (n % 9000))}`;
  const tags: Record<Variant, Record<string, string>> = {
    compliant: { Owner: owner, Environment: environment, CostCenter: costCenter },
    missing: { Environment: environment, CostCenter: costCenter },
    wrong_value: { Owner: owner, Environment: 'prod', CostCenter: costCenter },
    wrong_case: { Owner: owner, environment, CostCenter: costCenter },
    bad_format: { Owner: owner, Environment: environment, CostCenter: '1234' },
    never_tagged: {},
  };
  return Object.entries(tags[variant]).map(([Key, Value]) => ({ Key, Value }));
}

/** Seeds moto (directly, not through the request log) and returns the organisation. */
export async function seedInventory(endpoint: string, size: InventorySize): Promise<SeededOrg> {
  const accounts = DEFAULT_ACCOUNTS;
  const regions = DEFAULT_REGIONS;
  // The extra instances first: the seeder then finds their root volumes and counts them as untagged.
  await Promise.all(accounts.map(async (account) => {
    const credentials = await accountCredentials(endpoint, account);
    await Promise.all(regions.map(async (region, r) => {
      const config = awsClientConfig(endpoint, region, credentials);
      const ec2 = new EC2Client(config);
      const s3 = new S3Client(config);
      try {
        await Promise.all(VARIANTS.map((variant, v) => ec2.send(new RunInstancesCommand({
          ImageId: AMI, InstanceType: 't3.micro', MinCount: size.instancesPerVariant, MaxCount: size.instancesPerVariant,
          ...(variant === 'never_tagged' ? {} : { TagSpecifications: [{ ResourceType: 'instance', Tags: tagsFor(variant, r * 10 + v) }] }),
        }))));
        for (const [v, variant] of VARIANTS.entries()) {
          await Promise.all(Array.from({ length: size.bucketsPerVariant }, async (_, j) => {
            const name = `bench-${account}-${region}-${variant.replace('_', '-')}-${j}`;
            await s3.send(new CreateBucketCommand({
              Bucket: name,
              ...(region === 'us-east-1' ? {} : { CreateBucketConfiguration: { LocationConstraint: region as BucketLocationConstraint } }),
            }));
            if (variant !== 'never_tagged') await s3.send(new PutBucketTaggingCommand({ Bucket: name, Tagging: { TagSet: tagsFor(variant, v + j) } }));
          }));
        }
      } finally {
        ec2.destroy();
        s3.destroy();
      }
    }));
  }));
  return seedOrg(endpoint, { accounts, regions, scale: size.volumeScale });
}
