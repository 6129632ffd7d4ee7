"""modules/dynamodb_table.py alone: the spec's validation, the on-demand defaults, the customer
key, provisioned capacity with and without autoscaling, and the grants."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from modules.dynamodb_table import DynamoTable, DynamoTableProps, DynamoTableSpec
from modules.table_autoscaling import TableAutoscaling
from tests.conftest import one, resources, synth_construct

REGION = "eu-west-1"
KEY = "arn:aws:kms:eu-west-1:111122223333:key/abc"
ROW = {"name": "conversation-history", "partition_key": "session_id", "partition_key_type": "S",
       "purpose": "Turns of each conversation, read back by the orchestrator."}
FULL = {**ROW, "sort_key": "turn", "sort_key_type": "N", "ttl_attribute": "expires_at",
        "gsis": [{"name": "by-customer", "partition_key": "customer_id", "partition_key_type": "S",
                  "sort_key": "turn", "sort_key_type": "N"}]}


def spec(**fields) -> DynamoTableSpec:
    return DynamoTableSpec.model_validate({**ROW, **fields})


def build(table_spec: DynamoTableSpec, **props):
    captured = {}

    def add(stack):
        table = DynamoTable(stack, "t", DynamoTableProps(
            table_name="pf-dev-conversation-history", spec=table_spec, region=REGION,
            kms_key_arn=props.pop("kms_key_arn", None), **props))
        captured.update(read=table.read_statements(), write=table.write_statements(),
                        scan=table.scan_statements(), arn=table.table_arn, name=table.table_name)
    return synth_construct(add), captured


@pytest.fixture(scope="module")
def plain():
    return build(spec())


@pytest.fixture(scope="module")
def provisioned():
    return build(DynamoTableSpec.model_validate({**FULL, "read_capacity": 3, "write_capacity": 2}),
                 kms_key_arn=KEY, billing_mode="PROVISIONED",
                 autoscaling=TableAutoscaling(min_capacity=2, max_capacity=40,
                                              target_utilization_percent=60))


def test_defaults_on_demand_aws_owned_key_recovery_on(plain):
    stack, captured = plain
    table = one(stack, "aws_dynamodb_table")
    assert table["name"] == "pf-dev-conversation-history"
    assert table["billing_mode"] == "PAY_PER_REQUEST"
    assert table["hash_key"] == "session_id" and "range_key" not in table
    assert table["attribute"] == [{"name": "session_id", "type": "S"}]
    assert table["point_in_time_recovery"] == {"enabled": True}
    assert table["deletion_protection_enabled"] is False
    for absent in ("server_side_encryption", "ttl", "global_secondary_index", "read_capacity",
                   "write_capacity", "lifecycle"):
        assert absent not in table, absent
    assert "aws_appautoscaling_target" not in stack["resource"]  # default autoscaling, on demand
    (read,) = captured["read"]
    assert read.sid == "ReadConversationHistory" and read.resources == (captured["arn"],)
    assert read.actions == ("dynamodb:GetItem", "dynamodb:Query", "dynamodb:BatchGetItem",
                            "dynamodb:DescribeTable")
    (write,) = captured["write"]
    assert write.sid == "WriteConversationHistory" and write.resources == (captured["arn"],)
    assert write.actions == ("dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
                             "dynamodb:BatchWriteItem")
    (scan,) = captured["scan"]
    assert (scan.sid, scan.actions, scan.resources) == (
        "ScanConversationHistory", ("dynamodb:Scan",), (captured["arn"],))


def test_keys_ttl_indexes_key_and_fixed_capacity_without_autoscaling():
    stack, captured = build(DynamoTableSpec.model_validate(FULL), kms_key_arn=KEY,
                            billing_mode="PROVISIONED", autoscaling=None,
                            point_in_time_recovery=False, deletion_protection=True,
                            grant_id="History")
    table = one(stack, "aws_dynamodb_table")
    assert table["range_key"] == "turn"
    assert table["attribute"] == [{"name": "session_id", "type": "S"}, {"name": "turn", "type": "N"},
                                  {"name": "customer_id", "type": "S"}]
    assert table["ttl"] == {"attribute_name": "expires_at", "enabled": True}
    assert table["server_side_encryption"] == {"enabled": True, "kms_key_arn": KEY}
    assert table["point_in_time_recovery"] == {"enabled": False}
    assert table["deletion_protection_enabled"] is True
    assert (table["read_capacity"], table["write_capacity"]) == (5, 5)
    assert table["global_secondary_index"] == [{
        "name": "by-customer", "hash_key": "customer_id", "range_key": "turn",
        "projection_type": "ALL", "read_capacity": 5, "write_capacity": 5}]
    assert "lifecycle" not in table and "aws_appautoscaling_target" not in stack["resource"]
    read, decrypt_read = captured["read"]
    assert read.sid == "ReadHistory"
    assert read.resources == (captured["arn"], f"{captured['arn']}/index/*")
    assert decrypt_read.sid == "DecryptReadHistory" and decrypt_read.resources == (KEY,)
    assert decrypt_read.conditions == (
        ("StringEquals", "kms:ViaService", ("dynamodb.eu-west-1.amazonaws.com",)),)
    assert decrypt_read.actions == ("kms:Decrypt", "kms:DescribeKey")
    write, decrypt_write = captured["write"]
    assert write.resources == (captured["arn"],) and decrypt_write.sid == "DecryptWriteHistory"
    assert [s.sid for s in captured["scan"]] == ["ScanHistory", "DecryptScanHistory"]


def test_autoscaling_tracks_reads_and_writes_of_table_and_each_index(provisioned):
    stack, _ = provisioned
    table = one(stack, "aws_dynamodb_table")
    assert (table["read_capacity"], table["write_capacity"]) == (3, 2)
    assert table["lifecycle"] == {"ignore_changes": ["read_capacity", "write_capacity"]}
    targets = resources(stack, "aws_appautoscaling_target").values()
    assert sorted((t["resource_id"].split("}")[-1], t["scalable_dimension"]) for t in targets) == [
        ("", "dynamodb:table:ReadCapacityUnits"), ("", "dynamodb:table:WriteCapacityUnits"),
        ("/index/by-customer", "dynamodb:index:ReadCapacityUnits"),
        ("/index/by-customer", "dynamodb:index:WriteCapacityUnits")]
    for target in targets:
        assert target["resource_id"].startswith("table/${aws_dynamodb_table.")
        assert (target["min_capacity"], target["max_capacity"]) == (2, 40)
        assert target["service_namespace"] == "dynamodb"
    policies = resources(stack, "aws_appautoscaling_policy").values()
    assert sorted(p["name"] for p in policies) == [
        "pf-dev-conversation-history-index-by-customer-read",
        "pf-dev-conversation-history-index-by-customer-write",
        "pf-dev-conversation-history-read", "pf-dev-conversation-history-write"]
    for policy in policies:
        assert policy["policy_type"] == "TargetTrackingScaling"
        tracking = policy["target_tracking_scaling_policy_configuration"]
        assert tracking["target_value"] == 60
        metric = tracking["predefined_metric_specification"]["predefined_metric_type"]
        assert metric == f"DynamoDB{policy['name'].rsplit('-', 1)[1].title()}CapacityUtilization"


def test_autoscaling_defaults_to_70_percent_when_provisioned():
    stack, _ = build(spec(), billing_mode="PROVISIONED")
    tracking = [p["target_tracking_scaling_policy_configuration"]["target_value"]
                for p in resources(stack, "aws_appautoscaling_policy").values()]
    assert tracking == [70, 70]
    assert TableAutoscaling() == TableAutoscaling(1, 10, 70.0)


@pytest.mark.parametrize("fields, message", [
    ({"sort_key": "turn"}, "sort_key and sort_key_type"),
    ({"sort_key_type": "N"}, "sort_key and sort_key_type"),
    ({"ttl_attribute": "session_id"}, "ttl_attribute 'session_id' is a key"),
    ({"gsis": [{"name": "by-x", "partition_key": "x", "partition_key_type": "S"}] * 2},
     "index names must be unique, by-x repeated"),
    ({"gsis": [{"name": "by-x", "partition_key": "x", "partition_key_type": "S",
                "sort_key": "y"}]}, "index by-x: sort_key and sort_key_type"),
    ({"gsis": [{"name": "by-x", "partition_key": "x", "partition_key_type": "S"}],
      "ttl_attribute": "x"}, "ttl_attribute 'x' is a key"),
    ({"gsis": [{"name": "by-x", "partition_key": "session_id", "partition_key_type": "N"}]},
     "'session_id' is used with types S and N"),
    ({"partition_key_type": "X"}, "partition_key_type"),
    ({"read_capacity": 0}, "read_capacity"),
    ({"name": "Conversation_History"}, "name"),
    ({"purpose": ""}, "purpose"),
    ({"gsis": [{"name": "by-x", "partition_key": "x", "partition_key_type": "S",
                "projection": "KEYS_ONLY"}]}, "projection"),
])
def test_spec_refuses_inconsistent_rows(fields, message):
    with pytest.raises(ValidationError, match=message):
        spec(**fields)


@pytest.mark.parametrize("make, message", [
    (lambda: TableAutoscaling(min_capacity=5, max_capacity=4), "min_capacity"),
    (lambda: TableAutoscaling(target_utilization_percent=95), "20-90"),
    (lambda: DynamoTableProps(table_name="t", spec=spec(), kms_key_arn=None, region=REGION,
                              billing_mode="ON_DEMAND"), "billing_mode 'ON_DEMAND'"),
])
def test_props_refuse_impossible_settings(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_stream_of_item_changes_when_the_row_asks_for_it(plain):
    arns = {}

    def add(stack):
        for name, view in (("streamed", "NEW_AND_OLD_IMAGES"), ("quiet", None)):
            table = DynamoTable(stack, name, DynamoTableProps(
                table_name=f"pf-dev-{name}", spec=spec(stream_view_type=view), region=REGION,
                kms_key_arn=None))
            arns[name] = table.stream_arn
    tables = {t["name"]: t for t in resources(synth_construct(add), "aws_dynamodb_table").values()}
    streamed = tables["pf-dev-streamed"]
    assert (streamed["stream_enabled"], streamed["stream_view_type"]) == (True, "NEW_AND_OLD_IMAGES")
    assert arns["streamed"].startswith("${TfToken") and arns["quiet"] is None
    for table in (tables["pf-dev-quiet"], one(plain[0], "aws_dynamodb_table")):
        assert "stream_enabled" not in table and "stream_view_type" not in table
    with pytest.raises(ValidationError, match="stream_view_type"):
        spec(stream_view_type="ALL")
