// Which Cloud Custodian resource runs each of our AWS resource types, the field Custodian's
// resource records carry the resource's id in (to pin a policy to given resources), and whether
// the resource has Custodian's `rename-tag` action (S3 and a few others do not).

export interface CustodianResource {
  /** Custodian's resource name, e.g. `aws.ec2`. */
  resource: string;
  /** The key of the resource's id in Custodian's records (a `value` filter on it pins resources). */
  idField: string;
  renameTag: boolean;
}

const r = (resource: string, idField: string, renameTag = true): CustodianResource => ({ resource, idField, renameTag });

// Checked against `custodian schema` of c7n 0.9.53; test/unit/remediation validates one policy per entry.
export const CUSTODIAN_RESOURCES: Readonly<Record<string, CustodianResource>> = {
  'ec2:instance': r('aws.ec2', 'InstanceId'),
  'ec2:volume': r('aws.ebs', 'VolumeId'),
  'ec2:snapshot': r('aws.ebs-snapshot', 'SnapshotId'),
  'ec2:elastic-ip': r('aws.network-addr', 'AllocationId'),
  'ec2:natgateway': r('aws.nat-gateway', 'NatGatewayId'),
  's3:bucket': r('aws.s3', 'Name', false),
  'rds:db': r('aws.rds', 'DBInstanceIdentifier'),
  'rds:cluster': r('aws.rds-cluster', 'DBClusterIdentifier'),
  'lambda:function': r('aws.lambda', 'FunctionName'),
  'dynamodb:table': r('aws.dynamodb-table', 'TableName'),
  'ecs:cluster': r('aws.ecs', 'clusterName', false),
  'eks:cluster': r('aws.eks', 'name', false),
  'elasticache:cluster': r('aws.cache-cluster', 'CacheClusterId'),
  'redshift:cluster': r('aws.redshift', 'ClusterIdentifier', false),
  'sagemaker:endpoint': r('aws.sagemaker-endpoint', 'EndpointName', false),
  'sagemaker:notebook-instance': r('aws.sagemaker-notebook', 'NotebookInstanceName', false),
  'elasticloadbalancing:loadbalancer': r('aws.app-elb', 'LoadBalancerName', false),
  'kinesis:stream': r('aws.kinesis', 'StreamName'),
  'elasticfilesystem:file-system': r('aws.efs', 'FileSystemId'),
  'sns:topic': r('aws.sns', 'TopicArn'),
  'sqs:queue': r('aws.sqs', 'QueueUrl'),
  'glue:job': r('aws.glue-job', 'Name'),
  'emr:cluster': r('aws.emr', 'Id', false),
};

export function custodianResourceOf(resourceType: string): CustodianResource | undefined {
  return Object.hasOwn(CUSTODIAN_RESOURCES, resourceType) ? CUSTODIAN_RESOURCES[resourceType] : undefined;
}

/** The resource's id as Custodian's records carry it, from its ARN (for `value` filters pinning resources). */
export function custodianIdOf(resourceType: string, arn: string): string {
  const res = custodianResourceOf(resourceType);
  if (!res) return arn;
  if (res.idField === 'TopicArn') return arn;
  if (res.idField === 'QueueUrl') {
    const [, , , region, account, name] = arn.split(':');
    return `https://sqs.${region}.amazonaws.com/${account}/${name}`;
  }
  // The id is the last segment of the resource part: `instance/i-1`, `db:name`, `table/name`, `bucket`.
  const resource = arn.split(':').slice(5).join(':');
  return resource.split(/[/:]/).pop() ?? resource;
}
