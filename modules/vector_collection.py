"""An OpenSearch Serverless vector collection and its vector index, from AWS-provider resources
alone: the encryption policy (customer key), the network policy, the collection, the data
access policy naming its principals, and the index, created by a small Lambda that
`aws_lambda_invocation` calls once the collection and the access policy exist (the AWS
provider has no index resource and the `opensearch` provider may not be at hand).

The index function receives `{"endpoint", "index", "dimensions", "fields"}` and must create the
index when it is missing and succeed when it exists (the invocation re-runs when these change).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from cdktf import ITerraformDependable
from constructs import Construct

from modules.aws import provider_module
from modules.policy import Statement

_NAME = re.compile(r"[a-z][a-z0-9-]{2,31}")
#: Document fields Bedrock knowledge bases read and write.
VECTOR_FIELD, TEXT_FIELD, METADATA_FIELD = "embedding", "text", "metadata"


@dataclass(frozen=True)
class VectorCollectionProps:
    #: Collection name; also the name of its three policies (3-32 lowercase, digits, '-').
    name: str
    kms_key_arn: str
    #: Roles that may read, write and manage the index (a knowledge base's role, the index
    #: function's role): literal ARNs, so the policy need not wait for the roles.
    principal_arns: tuple[str, ...]
    index_name: str = "bedrock-knowledge-base-default-index"
    #: Length of the embedding model's vectors (Titan Text Embeddings v2: 1024).
    dimensions: int = 1024
    #: Standby replicas in a second Availability Zone: high availability, twice the capacity.
    standby_replicas: bool = True
    description: str = ""

    def __post_init__(self) -> None:
        if not _NAME.fullmatch(self.name):
            raise ValueError(f"collection name {self.name!r}: 3-32 lowercase letters, digits and "
                             "'-', starting with a letter")
        if not self.principal_arns:
            raise ValueError(f"collection {self.name}: the data access policy needs a principal")
        if not 1 <= self.dimensions <= 16000:
            raise ValueError(f"collection {self.name}: dimensions 1-16000")


class VectorCollection(Construct):
    """Exposes `collection` (L1), `collection_arn`, `endpoint`, `index_name`, `fields`,
    `api_statements()` and `create_index(...)`."""

    def __init__(self, scope: Construct, construct_id: str, props: VectorCollectionProps) -> None:
        super().__init__(scope, construct_id)
        self._props = props
        collection_rule = {"ResourceType": "collection", "Resource": [f"collection/{props.name}"]}
        policy = provider_module("opensearchserverless_security_policy")
        encryption = policy.OpensearchserverlessSecurityPolicy(
            self, "encryption", name=props.name, type="encryption",
            description="Collection encrypted with the system's customer key",
            policy=json.dumps({"Rules": [collection_rule], "AWSOwnedKey": False,
                               "KmsARN": props.kms_key_arn}))
        # The endpoint is reachable over TLS from outside a VPC, but every request is signed
        # (SigV4) and authorized by the data access policy below; no dashboards endpoint.
        network = policy.OpensearchserverlessSecurityPolicy(
            self, "network", name=props.name, type="network",
            description="Collection endpoint only, IAM-authenticated; no dashboards",
            policy=json.dumps([{"Rules": [collection_rule], "AllowFromPublic": True}]))
        self.collection = provider_module("opensearchserverless_collection").OpensearchserverlessCollection(
            self, "collection", name=props.name, type="VECTORSEARCH",
            description=props.description or None,
            standby_replicas="ENABLED" if props.standby_replicas else "DISABLED",
            depends_on=[encryption, network])
        self.access = provider_module("opensearchserverless_access_policy").OpensearchserverlessAccessPolicy(
            self, "access", name=props.name, type="data",
            description="Index and document access for the listed roles only",
            policy=json.dumps([{
                "Rules": [
                    {"ResourceType": "collection", "Resource": [f"collection/{props.name}"],
                     "Permission": ["aoss:DescribeCollectionItems", "aoss:CreateCollectionItems",
                                    "aoss:UpdateCollectionItems"]},
                    {"ResourceType": "index", "Resource": [f"index/{props.name}/*"],
                     "Permission": ["aoss:CreateIndex", "aoss:DescribeIndex", "aoss:UpdateIndex",
                                    "aoss:ReadDocument", "aoss:WriteDocument"]},
                ],
                "Principal": list(props.principal_arns),
            }]))
        self.collection_arn: str = self.collection.arn
        self.endpoint: str = self.collection.collection_endpoint
        self.index_name = props.index_name
        self.fields = {"vector": VECTOR_FIELD, "text": TEXT_FIELD, "metadata": METADATA_FIELD}
        self.index = None

    def api_statements(self, sid: str = "UseVectorCollection") -> tuple[Statement, ...]:
        """IAM side of collection access (the data access policy is the other side)."""
        return (Statement(sid=sid, actions=("aoss:APIAccessAll",), resources=(self.collection_arn,)),)

    def create_index(self, function_name: str,
                     depends_on: list[ITerraformDependable] | None = None) -> ITerraformDependable:
        """Invoke the index function once the collection and its access policy exist; returns
        the invocation, which whatever uses the index must depend on."""
        props = self._props
        request = {"endpoint": self.endpoint, "index": props.index_name,
                   "dimensions": props.dimensions, "fields": self.fields}
        self.index = provider_module("lambda_invocation").LambdaInvocation(
            self, "index", function_name=function_name, input=json.dumps(request, sort_keys=True),
            triggers={"request": json.dumps(request, sort_keys=True)},
            depends_on=[self.collection, self.access, *(depends_on or [])])
        return self.index
