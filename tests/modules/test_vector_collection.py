"""modules/vector_collection.py alone: encryption and network policies before the collection,
the data access policy for the listed roles only, standby replicas, the index created by an
invocation after the collection and its access policy, the IAM side, refused props."""

from __future__ import annotations

import json

import pytest

from modules.vector_collection import VectorCollection, VectorCollectionProps
from tests.conftest import one, resources, synth_construct

KEY = "arn:aws:kms:eu-west-1:111122223333:key/abc"
ROLES = ("arn:aws:iam::111122223333:role/pf-dev-kb", "arn:aws:iam::111122223333:role/pf-dev-index")


def build(**fields):
    captured = {}

    def add(stack):
        collection = VectorCollection(stack, "vectors", VectorCollectionProps(**{
            "name": "pf-kb-dev", "kms_key_arn": KEY, "principal_arns": ROLES, **fields}))
        captured["before_index"] = collection.index
        captured["invocation"] = collection.create_index("pf-dev-index")
        captured.update(statements=collection.api_statements(), arn=collection.collection_arn,
                        endpoint=collection.endpoint)
    return synth_construct(add), captured


@pytest.fixture(scope="module")
def built():
    return build(description="Vectors", dimensions=512)


def key_of(stack: dict, resource_type: str, **match) -> str:
    return next(k for k, r in resources(stack, resource_type).items()
                if all(r.get(f) == v for f, v in match.items()))


def test_collection_after_its_customer_key_and_network_policies(built):
    stack, _ = built
    policies = {p["type"]: p for p in resources(stack, "aws_opensearchserverless_security_policy").values()}
    assert sorted(policies) == ["encryption", "network"]
    encryption = json.loads(policies["encryption"]["policy"])
    assert encryption == {"Rules": [{"ResourceType": "collection", "Resource": ["collection/pf-kb-dev"]}],
                          "AWSOwnedKey": False, "KmsARN": KEY}
    (network,) = json.loads(policies["network"]["policy"])
    assert network["Rules"] == [{"ResourceType": "collection", "Resource": ["collection/pf-kb-dev"]}]
    assert "dashboard" not in json.dumps(network)
    collection = one(stack, "aws_opensearchserverless_collection")
    assert collection["name"] == "pf-kb-dev" and collection["type"] == "VECTORSEARCH"
    assert collection["standby_replicas"] == "ENABLED" and collection["description"] == "Vectors"
    assert sorted(collection["depends_on"]) == sorted(
        f"aws_opensearchserverless_security_policy.{key_of(stack, 'aws_opensearchserverless_security_policy', type=t)}"
        for t in ("encryption", "network"))


def test_data_access_for_the_listed_roles_only(built):
    stack, captured = built
    (access,) = json.loads(one(stack, "aws_opensearchserverless_access_policy")["policy"])
    assert access["Principal"] == list(ROLES)
    rules = {r["ResourceType"]: r for r in access["Rules"]}
    assert rules["collection"]["Resource"] == ["collection/pf-kb-dev"]
    assert rules["index"]["Resource"] == ["index/pf-kb-dev/*"]
    assert "aoss:DeleteIndex" not in rules["index"]["Permission"]
    assert {"aoss:CreateIndex", "aoss:ReadDocument", "aoss:WriteDocument"} <= set(rules["index"]["Permission"])
    (statement,) = captured["statements"]
    assert statement.actions == ("aoss:APIAccessAll",) and statement.resources == (captured["arn"],)


def test_index_is_created_by_one_invocation_after_collection_and_access(built):
    stack, captured = built
    assert captured["before_index"] is None
    invocation = one(stack, "aws_lambda_invocation")
    assert invocation["function_name"] == "pf-dev-index"
    request = json.loads(invocation["input"])
    assert request["index"] == "bedrock-knowledge-base-default-index" and request["dimensions"] == 512
    assert request["fields"] == {"vector": "embedding", "text": "text", "metadata": "metadata"}
    assert request["endpoint"].endswith(".collection_endpoint}")
    # A changed request (dimensions, index, fields) re-runs the invocation.
    assert invocation["triggers"] == {"request": invocation["input"]}
    collection = next(iter(resources(stack, "aws_opensearchserverless_collection")))
    access = next(iter(resources(stack, "aws_opensearchserverless_access_policy")))
    assert invocation["depends_on"] == [f"aws_opensearchserverless_collection.{collection}",
                                        f"aws_opensearchserverless_access_policy.{access}"]


def test_without_standby_replicas_or_description():
    stack, _ = build(standby_replicas=False)
    collection = one(stack, "aws_opensearchserverless_collection")
    assert collection["standby_replicas"] == "DISABLED" and "description" not in collection
    assert json.loads(one(stack, "aws_lambda_invocation")["input"])["dimensions"] == 1024


@pytest.mark.parametrize("fields, message", [
    ({"name": "PF-KB"}, "3-32 lowercase"),
    ({"name": "kb"}, "3-32 lowercase"),
    ({"name": "k" * 33}, "3-32 lowercase"),
    ({"principal_arns": ()}, "needs a principal"),
    ({"dimensions": 0}, "dimensions 1-16000"),
])
def test_refused_props(fields, message):
    with pytest.raises(ValueError, match=message):
        VectorCollectionProps(**{"name": "pf-kb-dev", "kms_key_arn": KEY, "principal_arns": ROLES,
                                 **fields})
