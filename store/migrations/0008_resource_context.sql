-- 0008: the network context a lister saw for a resource (VPC, subnet, security groups), kept so
-- suggest_tags can learn "resources in vpc-123 carry CostCenter=Engineering". Null on rows
-- written before it was kept and on resources that have none (S3 buckets, DynamoDB tables).
alter table scan_resources add column context jsonb;
