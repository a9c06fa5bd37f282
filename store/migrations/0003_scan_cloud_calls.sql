-- 0003: the cloud API calls each scan made, per API ({"s3:ListBuckets": 2, ...}), added up from
-- its shards; null for scans that made none (inventory evaluations) or ran before it was kept.
alter table scans add column cloud_calls jsonb;
