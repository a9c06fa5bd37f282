// The network context the AWS listers keep for tag suggestions (VPC, subnet, security groups), read
// from the list calls they already make, against moto: an instance launched into a subnet with a
// security group, and a database in a subnet group of that VPC.
import { CreateSecurityGroupCommand, CreateSubnetCommand, CreateVpcCommand, EC2Client, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { CreateDBInstanceCommand, CreateDBSubnetGroupCommand, RDSClient } from '@aws-sdk/client-rds';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwsClients } from '../../cloud/aws/clients.js';
import { LISTERS, type ListContext } from '../../cloud/aws/listers.js';
import type { ListedType } from '../../core/aws/resource-types.js';
import type { Resource } from '../../core/resource.js';
import { DEFAULT_ROLE_NAME, MANAGEMENT_ACCOUNT } from '../support/aws-seed.js';
import { awsClientConfig, MOTO_CREDENTIALS, startMoto, type MotoServer } from '../support/moto.js';

const REGION = 'us-west-2';

describe('lister network context on moto', () => {
  let moto: MotoServer;
  let clients: AwsClients;
  const env = { ...process.env };
  const net = { vpc: '', subnets: [] as string[], sg: '' };
  let instanceId = '';

  beforeAll(async () => {
    moto = await startMoto();
    process.env.AWS_ACCESS_KEY_ID = MOTO_CREDENTIALS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = MOTO_CREDENTIALS.secretAccessKey;
    delete process.env.AWS_SESSION_TOKEN;
    delete process.env.AWS_PROFILE;
    const ec2 = new EC2Client(awsClientConfig(moto.endpoint, REGION));
    const rds = new RDSClient(awsClientConfig(moto.endpoint, REGION));
    net.vpc = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.20.0.0/16' }))).Vpc!.VpcId!;
    for (const [i, az] of ['a', 'b'].entries()) {
      const subnet = await ec2.send(new CreateSubnetCommand({ VpcId: net.vpc, CidrBlock: `10.20.${i}.0/24`, AvailabilityZone: `${REGION}${az}` }));
      net.subnets.push(subnet.Subnet!.SubnetId!);
    }
    net.sg = (await ec2.send(new CreateSecurityGroupCommand({ GroupName: 'checkout-prod', Description: 'checkout', VpcId: net.vpc }))).GroupId!;
    const run = await ec2.send(new RunInstancesCommand({
      ImageId: 'ami-760aaa0f', InstanceType: 't3.micro', MinCount: 1, MaxCount: 1, SubnetId: net.subnets[0], SecurityGroupIds: [net.sg],
    }));
    instanceId = run.Instances![0]!.InstanceId!;
    await ec2.send(new RunInstancesCommand({ ImageId: 'ami-760aaa0f', InstanceType: 't3.micro', MinCount: 1, MaxCount: 1 }));
    await rds.send(new CreateDBSubnetGroupCommand({ DBSubnetGroupName: 'checkout', DBSubnetGroupDescription: 'checkout', SubnetIds: net.subnets }));
    await rds.send(new CreateDBInstanceCommand({
      DBInstanceIdentifier: 'checkout-prod-db', DBInstanceClass: 'db.t3.micro', Engine: 'postgres', AllocatedStorage: 20,
      MasterUsername: 'app', MasterUserPassword: 'not-a-secret-1', DBSubnetGroupName: 'checkout', VpcSecurityGroupIds: [net.sg],
    }));
    ec2.destroy();
    rds.destroy();
    clients = new AwsClients({ endpoint: moto.endpoint, roleName: DEFAULT_ROLE_NAME, sessionDurationSeconds: 900, maxAttempts: 1 });
  });

  afterAll(async () => {
    process.env = env;
    clients?.destroy();
    await moto?.stop();
  });

  async function list(type: ListedType): Promise<Resource[]> {
    const ctx: ListContext = { clients, accountId: MANAGEMENT_ACCOUNT, region: REGION };
    return (await LISTERS[type](ctx, undefined)).resources;
  }

  it('keeps the VPC, subnet and security groups of an instance', async () => {
    const instances = await list('ec2:instance');
    const launched = instances.find((i) => i.id.endsWith(`/${instanceId}`));
    expect(launched?.context).toEqual({ vpc: net.vpc, subnet: net.subnets[0], securityGroups: [net.sg] });
    // An instance launched without a subnet lands in the default VPC: it has a context too, of another VPC.
    const other = instances.find((i) => i !== launched);
    expect(other?.context?.vpc).toBeDefined();
    expect(other?.context?.vpc).not.toBe(net.vpc);
  });

  it('keeps the VPC and security groups of a database (its subnet group spans several subnets)', async () => {
    const [db] = await list('rds:db');
    expect(db?.context).toEqual({ vpc: net.vpc, securityGroups: [net.sg] });
  });
});
