"""A Glue Data Catalog database and a crawler that keeps its tables in step with S3 prefixes
(schemas and Hive partitions), on a schedule."""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Construct

from modules.aws import provider_module
from modules.policy import Statement, kms_via_service, policy_document, service_trust


@dataclass(frozen=True)
class GlueCatalogProps:
    database_name: str
    crawler_name: str
    role_name: str
    policy_name: str
    account_id: str
    region: str
    bucket_arn: str
    bucket_name: str
    #: Prefixes (ending in '/') the crawler catalogs, one table per prefix folder.
    prefixes: tuple[str, ...]
    #: Key of the bucket's objects (decrypted through S3 only).
    kms_key_arn: str
    schedule: str = "cron(0 4 * * ? *)"
    description: str = ""
    security_configuration: str | None = None


class GlueCatalog(Construct):
    """Exposes `database`, `crawler` (L1 resources), `database_name`, `crawler_arn` and
    `read_statements()` (catalog reads for a query engine such as Athena)."""

    def __init__(self, scope: Construct, construct_id: str, props: GlueCatalogProps) -> None:
        super().__init__(scope, construct_id)
        self._props = props
        self.database = provider_module("glue_catalog_database").GlueCatalogDatabase(
            self, "database", name=props.database_name, description=props.description or None)
        self.database_name: str = self.database.name
        catalog = f"arn:aws:glue:{props.region}:{props.account_id}"
        db = props.database_name
        # Glue does not put the crawler into aws:SourceArn when it assumes the role.
        trust = policy_document(self, "trust", [service_trust(
            "glue.amazonaws.com", account_id=props.account_id)])
        role = provider_module("iam_role").IamRole(
            self, "role", name=props.role_name, assume_role_policy=trust.json,
            description=f"Role of the Glue crawler {props.crawler_name}")
        bucket = props.bucket_arn
        policy = policy_document(self, "policy_document", [
            Statement(sid="MaintainOwnTables",
                      actions=("glue:GetDatabase", "glue:GetTable", "glue:GetTables",
                               "glue:CreateTable", "glue:UpdateTable", "glue:GetPartition",
                               "glue:GetPartitions", "glue:BatchGetPartition",
                               "glue:CreatePartition", "glue:BatchCreatePartition",
                               "glue:UpdatePartition", "glue:BatchUpdatePartition"),
                      resources=(f"{catalog}:catalog", f"{catalog}:database/{db}",
                                 f"{catalog}:table/{db}/*")),
            Statement(sid="ListBucket", actions=("s3:ListBucket",), resources=(bucket,)),
            Statement(sid="ReadCrawledObjects", actions=("s3:GetObject",),
                      resources=tuple(f"{bucket}/{p}*" for p in props.prefixes)),
            kms_via_service("DecryptCrawledObjects", props.kms_key_arn, "s3", props.region),
            Statement(sid="WriteCrawlerLogs",
                      actions=("logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents",
                               "logs:AssociateKmsKey"),
                      resources=(f"arn:aws:logs:{props.region}:{props.account_id}:log-group:"
                                 f"/aws-glue/crawlers*",)),
        ])
        provider_module("iam_role_policy").IamRolePolicy(
            self, "policy", name=props.policy_name, role=role.id, policy=policy.json)
        self.crawler = provider_module("glue_crawler").GlueCrawler(
            self, "crawler", name=props.crawler_name, database_name=self.database.name,
            role=role.arn, schedule=props.schedule,
            security_configuration=props.security_configuration,
            s3_target=[{"path": f"s3://{props.bucket_name}/{p}"} for p in props.prefixes],
            # New columns are added, nothing is dropped: a column missing from one hour's data
            # must not vanish from the table.
            schema_change_policy={"update_behavior": "UPDATE_IN_DATABASE",
                                  "delete_behavior": "LOG"},
            recrawl_policy={"recrawl_behavior": "CRAWL_EVERYTHING"},
            configuration='{"Version":1.0,"Grouping":{"TableGroupingPolicy":"CombineCompatibleSchemas"}}')
        self.crawler_arn: str = self.crawler.arn

    def read_statements(self) -> tuple[Statement, ...]:
        props = self._props
        catalog = f"arn:aws:glue:{props.region}:{props.account_id}"
        return (Statement(sid="ReadCatalog",
                          actions=("glue:GetDatabase", "glue:GetTable", "glue:GetTables",
                                   "glue:GetPartition", "glue:GetPartitions",
                                   "glue:BatchGetPartition"),
                          resources=(f"{catalog}:catalog", f"{catalog}:database/{props.database_name}",
                                     f"{catalog}:table/{props.database_name}/*")),)
