// Which Cost Explorer service carries each resource type's spend, which services no tag can
// attribute, and which types cost nothing directly. From the peer's resource_types.json, with one
// correction: EBS volumes are billed under "EC2 - Other" in Cost Explorer, not "… - Compute".

export const EC2_COMPUTE = 'Amazon Elastic Compute Cloud - Compute';
export const EC2_OTHER = 'EC2 - Other';
export const RDS = 'Amazon Relational Database Service';

/** resource type -> Cost Explorer SERVICE dimension value. */
export const SERVICE_OF_TYPE: Readonly<Record<string, string>> = {
  'ec2:instance': EC2_COMPUTE,
  'ec2:volume': EC2_OTHER,
  'ec2:elastic-ip': EC2_OTHER,
  'ec2:snapshot': EC2_OTHER,
  'ec2:natgateway': EC2_OTHER,
  'lambda:function': 'AWS Lambda',
  'ecs:cluster': 'Amazon Elastic Container Service',
  'ecs:service': 'Amazon Elastic Container Service',
  'ecs:task-definition': 'Amazon Elastic Container Service',
  'eks:cluster': 'Amazon Elastic Kubernetes Service',
  'eks:nodegroup': 'Amazon Elastic Kubernetes Service',
  's3:bucket': 'Amazon Simple Storage Service',
  'elasticfilesystem:file-system': 'Amazon Elastic File System',
  'fsx:file-system': 'Amazon FSx',
  'rds:db': RDS,
  'rds:cluster': RDS,
  'dynamodb:table': 'Amazon DynamoDB',
  'elasticache:cluster': 'Amazon ElastiCache',
  'elasticache:replicationgroup': 'Amazon ElastiCache',
  'redshift:cluster': 'Amazon Redshift',
  'sagemaker:endpoint': 'Amazon SageMaker',
  'sagemaker:notebook-instance': 'Amazon SageMaker',
  'bedrock:agent': 'Amazon Bedrock',
  'bedrock:knowledge-base': 'Amazon Bedrock',
  'elasticloadbalancing:loadbalancer': 'Elastic Load Balancing',
  'elasticloadbalancing:targetgroup': 'Elastic Load Balancing',
  'kinesis:stream': 'Amazon Kinesis',
  'glue:job': 'AWS Glue',
  'glue:crawler': 'AWS Glue',
  'glue:table': 'AWS Glue',
  'opensearch:domain': 'Amazon OpenSearch Service',
  'emr:cluster': 'Amazon EMR',
  'cognito-idp:userpool': 'Amazon Cognito',
  'cognito-identity:identitypool': 'Amazon Cognito',
  'secretsmanager:secret': 'AWS Secrets Manager',
  'kms:key': 'AWS Key Management Service',
  'apigateway:restapi': 'Amazon API Gateway',
  'cloudfront:distribution': 'Amazon CloudFront',
  'route53:hostedzone': 'Amazon Route 53',
  'stepfunctions:statemachine': 'AWS Step Functions',
  'codebuild:project': 'AWS CodeBuild',
  'codepipeline:pipeline': 'AWS CodePipeline',
};

/** Taggable, but their cost comes from usage billed elsewhere: $0 each. */
export const FREE_TYPES: ReadonlySet<string> = new Set([
  'ec2:vpc', 'ec2:subnet', 'ec2:security-group', 'logs:log-group', 'cloudwatch:alarm', 'sns:topic', 'sqs:queue',
  'ecr:repository', 'glue:database', 'athena:workgroup',
]);

/** Services with spend but no taggable resource: excluded from the gap, and listed. */
const UNATTRIBUTABLE: Readonly<Record<string, string>> = {
  'Claude 3.5 Sonnet (Amazon Bedrock Edition)': 'api_usage',
  'Claude 3 Haiku (Amazon Bedrock Edition)': 'api_usage',
  'Claude 3 Opus (Amazon Bedrock Edition)': 'api_usage',
  'Claude Instant (Amazon Bedrock Edition)': 'api_usage',
  'Amazon Titan (Amazon Bedrock Edition)': 'api_usage',
  Tax: 'tax',
  'AWS Cost Explorer': 'fees',
  'AWS Support (Business)': 'support',
  'AWS Support (Developer)': 'support',
  'AWS Support (Enterprise)': 'support',
  'AWS Marketplace': 'fees',
  'AWS Data Transfer': 'data_transfer',
  'Route 53 Resolver DNS Firewall': 'other',
};

export type UnattributableCategory = 'api_usage' | 'tax' | 'fees' | 'support' | 'data_transfer' | 'other';

/**
 * Why a service's spend cannot be attributed by tags, or null when it can. Names outside the
 * peer's list are caught by their shape: any support plan, any "(… Edition)" model API, tax.
 */
export function unattributableCategory(service: string): UnattributableCategory | null {
  const known = UNATTRIBUTABLE[service];
  if (known) return known as UnattributableCategory;
  if (/^AWS Support\b/.test(service)) return 'support';
  if (/\(Amazon Bedrock Edition\)$/.test(service)) return 'api_usage';
  if (/^Tax\b/.test(service)) return 'tax';
  if (/Data Transfer$/.test(service)) return 'data_transfer';
  return null;
}

/** Services whose resource-level spend GetCostAndUsageWithResources returns (EC2 and RDS). */
export const RESOURCE_LEVEL_SERVICES: readonly string[] = [EC2_COMPUTE, RDS];

/** EC2 instance states in which no compute hours are billed. */
const IDLE_INSTANCE_STATES = ['stopped', 'stopping', 'terminated', 'shutting-down'];

/** A stopped (or terminated) EC2 instance costs $0 compute; its volumes are separate resources. */
export function isIdle(resourceType: string, state: string | null | undefined): boolean {
  return resourceType === 'ec2:instance' && state !== null && state !== undefined && IDLE_INSTANCE_STATES.includes(state);
}

/** The SQL twin of isIdle, for aggregates computed where the rows are. */
export const IDLE_SQL = `(resource_type = 'ec2:instance' and state in (${IDLE_INSTANCE_STATES.map((s) => `'${s}'`).join(', ')}))`;

/**
 * The id Cost Explorer's RESOURCE_ID dimension uses for a resource: the instance or volume id for
 * EC2 (`i-0abc`, `vol-0abc`), the ARN for everything else (RDS reports ARNs).
 */
export function costResourceKey(resourceType: string, resourceId: string): string {
  if (resourceType.startsWith('ec2:')) return resourceId.slice(resourceId.lastIndexOf('/') + 1);
  return resourceId;
}
