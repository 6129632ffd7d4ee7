"""modules/knowledge_base.py alone: the service role (confused-deputy trust, least privilege on
the model, the collection, the document prefix and the key through S3 and Bedrock), the
knowledge base on the collection's index after the index exists, the S3 data source, the
retrieve grant, refused props."""

from __future__ import annotations

import pytest

from modules.knowledge_base import KnowledgeBase, KnowledgeBaseProps
from modules.vector_collection import VectorCollection, VectorCollectionProps
from tests.conftest import one, resources, statements_of, synth_construct, trust_of

ACCOUNT, REGION = "111122223333", "eu-west-1"
KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/abc"
BUCKET = "arn:aws:s3:::pf-dev-models"
MODEL = f"arn:aws:bedrock:{REGION}::foundation-model/amazon.titan-embed-text-v2:0"


def props(**fields) -> KnowledgeBaseProps:
    return KnowledgeBaseProps(**{
        "name": "pf-dev-knowledge", "description": "Patterns", "role_name": "pf-dev-kb-role",
        "policy_name": "pf-dev-kb-policy", "account_id": ACCOUNT, "region": REGION,
        "embedding_model_id": "amazon.titan-embed-text-v2:0", "documents_bucket_arn": BUCKET,
        "documents_prefix": "knowledge/", "kms_key_arn": KEY, **fields})


def build(knowledge_props: KnowledgeBaseProps):
    captured = {}

    def add(stack):
        collection = VectorCollection(stack, "vectors", VectorCollectionProps(
            name="pf-kb-dev", kms_key_arn=KEY,
            principal_arns=(f"arn:aws:iam::{ACCOUNT}:role/pf-dev-kb-role",)))
        index = collection.create_index("pf-dev-index")
        kb = KnowledgeBase(stack, "knowledge", knowledge_props, collection, index)
        captured.update(retrieve=kb.retrieve_statements(), arn=kb.knowledge_base_arn,
                        collection=collection.collection_arn)
    return synth_construct(add), captured


@pytest.fixture(scope="module")
def built():
    return build(props())


def test_role_trusts_bedrock_knowledge_bases_of_this_account_only(built):
    stack, _ = built
    role = one(stack, "aws_iam_role")
    assert role["name"] == "pf-dev-kb-role"
    trust = trust_of(stack, "pf-dev-kb-role")
    assert trust["principals"] == [{"type": "Service", "identifiers": ["bedrock.amazonaws.com"]}]
    assert trust["condition"] == [
        {"test": "StringEquals", "variable": "aws:SourceAccount", "values": [ACCOUNT]},
        {"test": "ArnLike", "variable": "aws:SourceArn",
         "values": [f"arn:aws:bedrock:{REGION}:{ACCOUNT}:knowledge-base/*"]}]


def test_role_reads_only_its_prefix_embeds_with_its_model_and_uses_the_key_through_services(built):
    stack, _ = built
    statements = statements_of(stack, "pf-dev-kb-role")
    assert one(stack, "aws_iam_role_policy")["name"] == "pf-dev-kb-policy"
    assert statements["EmbedDocuments"]["actions"] == ["bedrock:InvokeModel"]
    assert statements["EmbedDocuments"]["resources"] == [MODEL]
    assert statements["UseVectorCollection"]["actions"] == ["aoss:APIAccessAll"]
    assert statements["UseVectorCollection"]["resources"][0].startswith(
        "${aws_opensearchserverless_collection.")
    assert statements["ListDocuments"]["resources"] == [BUCKET]
    assert statements["ListDocuments"]["condition"] == [
        {"test": "StringLike", "variable": "s3:prefix", "values": ["knowledge/*"]}]
    assert statements["ReadDocuments"] == {"sid": "ReadDocuments", "effect": "Allow",
                                           "actions": ["s3:GetObject"],
                                           "resources": [f"{BUCKET}/knowledge/*"]}
    for sid, service in (("DecryptDocuments", "s3"), ("UseKeyThroughBedrock", "bedrock")):
        assert statements[sid]["resources"] == [KEY]
        assert statements[sid]["condition"] == [{"test": "StringEquals", "variable": "kms:ViaService",
                                                 "values": [f"{service}.{REGION}.amazonaws.com"]}]
    assert not any("*" == r for s in statements.values() for r in s.get("resources", []))


def test_knowledge_base_on_the_index_after_the_role_policy_and_the_index(built):
    stack, _ = built
    kb = one(stack, "aws_bedrockagent_knowledge_base")
    assert kb["name"] == "pf-dev-knowledge" and kb["description"] == "Patterns"
    config = kb["knowledge_base_configuration"][0]
    assert config["type"] == "VECTOR"
    assert config["vector_knowledge_base_configuration"][0]["embedding_model_arn"] == MODEL
    storage = kb["storage_configuration"][0]
    assert storage["type"] == "OPENSEARCH_SERVERLESS"
    search = storage["opensearch_serverless_configuration"][0]
    assert search["vector_index_name"] == "bedrock-knowledge-base-default-index"
    assert search["field_mapping"] == [{"vector_field": "embedding", "text_field": "text",
                                        "metadata_field": "metadata"}]
    assert search["collection_arn"].startswith("${aws_opensearchserverless_collection.")
    policy = next(iter(resources(stack, "aws_iam_role_policy")))
    invocation = next(iter(resources(stack, "aws_lambda_invocation")))
    assert kb["depends_on"] == [f"aws_iam_role_policy.{policy}",
                                f"aws_lambda_invocation.{invocation}"]


def test_s3_data_source_of_the_prefix_encrypted_with_the_key(built):
    stack, captured = built
    source = one(stack, "aws_bedrockagent_data_source")
    assert source["name"] == "documents"
    assert source["knowledge_base_id"].startswith("${aws_bedrockagent_knowledge_base.")
    s3 = source["data_source_configuration"][0]
    assert s3["type"] == "S3"
    assert s3["s3_configuration"][0] == {"bucket_arn": BUCKET, "inclusion_prefixes": ["knowledge/"]}
    assert source["server_side_encryption_configuration"] == [{"kms_key_arn": KEY}]
    (retrieve,) = captured["retrieve"]
    assert retrieve.actions == ("bedrock:Retrieve",) and retrieve.resources == (captured["arn"],)


def test_prefix_must_be_a_folder():
    with pytest.raises(ValueError, match="documents_prefix must end with '/'"):
        build(props(documents_prefix="knowledge"))
