// The AWS resource types the scanner knows by name: the ones it lists through their service's
// API (LISTED_TYPES) and the common ones the Resource Groups Tagging API returns. A scope naming a
// type outside these (and outside the policy's own types, which count as known) is answered with
// the nearest known types instead of a scan that silently finds nothing.
import { LISTED_TYPES } from './resource-types.js';

const TAGGING_API_TYPES = [
  'acm:certificate', 'apigateway:restapis', 'autoscaling:autoscalinggroup', 'backup:backup-vault',
  'bedrock:agent', 'bedrock:knowledge-base', 'cloudformation:stack', 'cloudfront:distribution', 'cloudtrail:trail',
  'cloudwatch:alarm', 'codebuild:project', 'codepipeline:pipeline', 'cognito-idp:userpool',
  'dynamodb:table', 'ec2:elastic-ip', 'ec2:image', 'ec2:internet-gateway', 'ec2:launch-template', 'ec2:natgateway',
  'ec2:network-interface', 'ec2:route-table', 'ec2:security-group', 'ec2:snapshot', 'ec2:subnet', 'ec2:transit-gateway',
  'ec2:vpc', 'ecr:repository', 'ecs:cluster', 'ecs:service', 'ecs:task-definition', 'eks:cluster', 'eks:nodegroup',
  'elasticache:cluster', 'elasticfilesystem:file-system', 'elasticloadbalancing:loadbalancer',
  'elasticloadbalancing:targetgroup', 'es:domain', 'events:rule', 'firehose:deliverystream', 'fsx:file-system',
  'glue:job', 'iam:role', 'iam:user', 'iam:policy', 'kafka:cluster', 'kinesis:stream', 'kms:key', 'logs:log-group',
  'opensearch:domain', 'rds:cluster', 'rds:db', 'rds:db-instance', 'redshift:cluster', 'route53:hostedzone',
  's3:bucket', 'sagemaker:endpoint', 'sagemaker:notebook-instance', 'secretsmanager:secret', 'sns:topic', 'sqs:queue',
  'ssm:parameter', 'states:statemachine', 'wafv2:webacl',
];

/** Every AWS type the scanner knows by name, sorted. */
export const KNOWN_AWS_TYPES: readonly string[] = [...new Set<string>([...LISTED_TYPES, ...TAGGING_API_TYPES])].sort();
