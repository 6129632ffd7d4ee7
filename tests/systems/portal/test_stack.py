"""The portal's synthesized prod stacks, part by part: the specification's checkable facts
(VPC and subnets, one NAT, endpoints, security group rules, Aurora and RDS Proxy settings,
Cognito, buckets, log retention, alarms, X-Ray, the Bedrock role) and the cross-part wiring."""

from __future__ import annotations

import json

from systems.portal import PARTS, catalog
from tests.conftest import data_sources, one, resources
from tests.systems.portal.conftest import PARTS as TEST_PARTS

REMOTE = "${data.terraform_remote_state.cross-stack-reference-input-prod-portal-network."


def values(stack: dict, resource_type: str) -> list[dict]:
    return list(resources(stack, resource_type).values())


def statements(stack: dict, reference: str) -> list[dict]:
    name = reference.strip("${}").split(".")[2]
    return data_sources(stack, "aws_iam_policy_document")[name]["statement"]


def test_parts_in_deployment_order(portal):
    assert PARTS == TEST_PARTS and list(portal) == list(PARTS)


def test_vpc_nine_subnets_three_zones_one_nat(portal):
    network = portal["network"]
    assert one(network, "aws_vpc")["cidr_block"] == "10.0.0.0/16"
    subnets = {s["cidr_block"]: s for s in values(network, "aws_subnet")}
    assert sorted(subnets) == sorted(f"10.0.{i}.0/24" for i in range(9))
    tiers = {cidr: s["tags"]["Tier"] for cidr, s in subnets.items()}
    assert [tiers[f"10.0.{i}.0/24"] for i in range(9)] == ["public"] * 3 + ["private"] * 3 + \
        ["isolated"] * 3
    assert {s["availability_zone"] for s in subnets.values()} == {
        "us-east-1a", "us-east-1b", "us-east-1c"}
    assert all(s["map_public_ip_on_launch"] is False for s in subnets.values())
    nat = one(network, "aws_nat_gateway")
    assert "public_0" in nat["subnet_id"]  # the first zone's public subnet
    routes = values(network, "aws_route")
    # public default + one per private table; database tables have no route out.
    assert len(routes) == 4
    assert sum("nat_gateway_id" in r for r in routes) == 3


def test_gateway_and_interface_endpoints(portal):
    endpoints = {e["service_name"].rsplit(".", 1)[-1] if "ecr" not in e["service_name"]
                 else e["service_name"].split("us-east-1.")[1]: e
                 for e in values(portal["network"], "aws_vpc_endpoint")}
    assert set(endpoints) == {"s3", "ecr.api", "ecr.dkr", "logs", "secretsmanager",
                              "bedrock-runtime"}
    assert endpoints["s3"]["vpc_endpoint_type"] == "Gateway"
    assert len(endpoints["s3"]["route_table_ids"]) == 3
    for service in ("ecr.api", "ecr.dkr", "logs", "secretsmanager", "bedrock-runtime"):
        assert endpoints[service]["vpc_endpoint_type"] == "Interface"
        assert endpoints[service]["private_dns_enabled"] is True


def rules(stack: dict, kind: str) -> list[tuple[str, str, str]]:
    """(group name, port or "all", source/destination) of every rule of `kind`."""
    groups = {f"${{aws_security_group.{k}.id}}": g["name"]
              for k, g in resources(stack, "aws_security_group").items()}
    out = []
    for rule in values(stack, f"aws_vpc_security_group_{kind}_rule"):
        other = (groups.get(rule.get("referenced_security_group_id", ""))
                 or rule.get("cidr_ipv4") or rule.get("prefix_list_id"))
        port = "all" if rule["ip_protocol"] == "-1" else str(rule["from_port"])
        out.append((groups[rule["security_group_id"]], port, other))
    return sorted(out)


def test_security_groups_have_exactly_the_specified_inbound_rules(portal):
    network = portal["network"]
    names = {g["name"] for g in values(network, "aws_security_group")}
    assert names == {"alb-sg", "lang-portal-api-sg", "haiku-api-sg", "vocab-generator-sg",
                     "writing-practice-sg", "lang-portal-aurora-sg", "haiku-aurora-sg",
                     "lang-portal-rds-proxy-sg", "haiku-rds-proxy-sg", "vpc-endpoint-sg"}
    inbound = rules(network, "ingress")
    by_group: dict[str, set] = {}
    for group, port, source in inbound:
        by_group.setdefault(group, set()).add((port, source))
    assert by_group["alb-sg"] == {("80", "0.0.0.0/0"), ("443", "0.0.0.0/0"),
                                  ("443", "pl-3b927c52")}
    assert by_group["lang-portal-api-sg"] == {("8000", "alb-sg"), ("8000", "vocab-generator-sg"),
                                              ("8000", "writing-practice-sg")}
    assert by_group["vocab-generator-sg"] == {("8501", "alb-sg"), ("8000", "vocab-generator-sg")}
    assert by_group["writing-practice-sg"] == {("7860", "alb-sg")}
    assert by_group["lang-portal-rds-proxy-sg"] == {("5432", "lang-portal-api-sg")}
    assert by_group["haiku-rds-proxy-sg"] == {("5432", "haiku-api-sg")}
    # 5432 only from the API group and the cluster's own proxy.
    assert by_group["lang-portal-aurora-sg"] == {("5432", "lang-portal-api-sg"),
                                                 ("5432", "lang-portal-rds-proxy-sg")}
    assert by_group["vpc-endpoint-sg"] == {("443", g) for g in (
        "lang-portal-api-sg", "haiku-api-sg", "vocab-generator-sg", "writing-practice-sg")}
    outbound = rules(network, "egress")
    assert ("alb-sg", "all", "10.0.0.0/16") in outbound
    assert ("lang-portal-rds-proxy-sg", "5432", "lang-portal-aurora-sg") in outbound
    assert {g for g, port, dest in outbound if dest == "0.0.0.0/0"} == {
        "lang-portal-api-sg", "haiku-api-sg", "vocab-generator-sg", "writing-practice-sg"}


def test_private_zone_and_service_discovery(portal):
    network = portal["network"]
    zone = resources(network, "aws_route53_zone")["private_zone"]
    assert zone["name"] == "internal.app-dw.net" and zone["vpc"][0]["vpc_id"]
    namespace = one(network, "aws_service_discovery_private_dns_namespace")
    assert namespace["name"] == "app-dw.internal"
    services = values(network, "aws_service_discovery_service")
    assert sorted(s["name"] for s in services) == ["lang-portal-api", "vocab-generator-backend"]
    assert {s["dns_config"]["dns_records"][0]["ttl"] for s in services} == {60}


def test_aurora_clusters(portal):
    database = portal["database"]
    clusters = {c["cluster_identifier"]: c for c in values(database, "aws_rds_cluster")}
    assert set(clusters) == {"lang-portal-aurora", "haiku-aurora"}
    for cluster in clusters.values():
        assert cluster["engine"] == "aurora-postgresql" and cluster["engine_version"] == "15.4"
        assert cluster["backup_retention_period"] == 7
        assert cluster["preferred_maintenance_window"] == "sun:05:00-sun:06:00"
        assert cluster["storage_encrypted"] is True
        assert cluster["iam_database_authentication_enabled"] is True
        assert "serverlessv2_scaling_configuration" not in cluster
        # Database subnets and groups come from the network part (cross-stack references).
        assert cluster["vpc_security_group_ids"][0].startswith(REMOTE)
    assert clusters["lang-portal-aurora"]["preferred_backup_window"] == "03:00-04:00"
    assert clusters["haiku-aurora"]["preferred_backup_window"] == "04:00-05:00"
    instances = values(database, "aws_rds_cluster_instance")
    assert {i["instance_class"] for i in instances} == {"db.t4g.medium"}
    # Lang Portal is Multi-AZ (writer + reader in another zone), Haiku a single writer.
    zones = sorted((i["identifier"], i["availability_zone"]) for i in instances)
    assert zones == [("haiku-aurora-1", "us-east-1a"), ("lang-portal-aurora-1", "us-east-1a"),
                     ("lang-portal-aurora-2", "us-east-1b")]
    for instance in instances:
        assert instance["performance_insights_enabled"] is True
        assert instance["performance_insights_retention_period"] == 7
        assert instance["monitoring_interval"] == 60
        assert instance["publicly_accessible"] is False
    (group,) = {g["family"] for g in values(database, "aws_db_parameter_group")}
    assert group == "aurora-postgresql15"
    for parameters in values(database, "aws_db_parameter_group"):
        assert {p["name"]: p["value"] for p in parameters["parameter"]} == dict(
            catalog.DB_PARAMETERS)
    forced = [p for g in values(database, "aws_rds_cluster_parameter_group")
              for p in g["parameter"] if p["name"] == "rds.force_ssl"]
    assert [p["value"] for p in forced] == ["1", "1"]


def test_rds_proxies(portal):
    database = portal["database"]
    proxies = {p["name"]: p for p in values(database, "aws_db_proxy")}
    assert set(proxies) == {"lang-portal-proxy", "haiku-proxy"}
    for proxy in proxies.values():
        assert proxy["idle_client_timeout"] == 1800 and proxy["require_tls"] is True
        assert proxy["auth"][0]["iam_auth"] == "REQUIRED"
        assert proxy["engine_family"] == "POSTGRESQL"
    for group in values(database, "aws_db_proxy_default_target_group"):
        assert group["connection_pool_config"] == {"max_connections_percent": 100,
                                                   "connection_borrow_timeout": 120}
    assert len(values(database, "aws_db_proxy_target")) == 2


def test_cognito(portal):
    auth = portal["auth"]
    pool = one(auth, "aws_cognito_user_pool")
    assert pool["name"] == "genai-bootcamp-users" and pool["mfa_configuration"] == "OFF"
    assert pool["password_policy"] | {"temporary_password_validity_days": 0} == {
        "minimum_length": 8, "require_lowercase": True, "require_uppercase": True,
        "require_numbers": True, "require_symbols": True,
        "temporary_password_validity_days": 0}
    assert pool["account_recovery_setting"]["recovery_mechanism"][0]["name"] == "verified_email"
    required = {s["name"] for s in pool["schema"] if s["required"]}
    assert required == {"email", "given_name", "family_name"}
    assert pool["user_pool_add_ons"] == {"advanced_security_mode": "AUDIT"}
    client = one(auth, "aws_cognito_user_pool_client")
    assert client["name"] == "web-client" and client["generate_secret"] is False
    assert client["explicit_auth_flows"] == ["ALLOW_USER_PASSWORD_AUTH",
                                             "ALLOW_REFRESH_TOKEN_AUTH"]
    assert client["allowed_oauth_flows"] == ["code"]
    assert client["allowed_oauth_scopes"] == ["openid", "email", "profile"]
    assert len(client["callback_urls"]) == 8 and len(client["logout_urls"]) == 8
    assert "https://writing.app-dw.net/callback" in client["callback_urls"]
    assert "http://localhost:3003/logout" in client["logout_urls"]
    assert (client["access_token_validity"], client["id_token_validity"],
            client["refresh_token_validity"]) == (60, 60, 30)
    assert client["enable_token_revocation"] is True
    assert one(auth, "aws_cognito_user_pool_domain")["domain"] == "genai-bootcamp"
    identity = one(auth, "aws_cognito_identity_pool")
    assert identity["identity_pool_name"] == "genai-bootcamp-identity"
    roles = {r["name"] for r in values(auth, "aws_iam_role")}
    assert roles == {"genai-bootcamp-authenticated", "genai-bootcamp-unauthenticated"}
    policies = {p["name"]: statements(auth, p["policy"])
                for p in values(auth, "aws_iam_role_policy")}
    (allow,) = policies["genai-bootcamp-authenticated-policy"]
    assert allow["effect"] == "Allow" and allow["actions"] == ["execute-api:Invoke"]
    (deny,) = policies["genai-bootcamp-unauthenticated-policy"]
    assert deny["effect"] == "Deny"


def bucket_of(stack: dict, reference: str) -> str:
    logical = reference.strip("${}").split(".")[1]
    return resources(stack, "aws_s3_bucket")[logical]["bucket"]


def test_buckets_lifecycle_policies_and_logging(portal):
    storage = portal["storage"]
    names = sorted(b["bucket"] for b in values(storage, "aws_s3_bucket"))
    assert names == ["genai-bootcamp-backups", "genai-bootcamp-frontend-assets",
                     "genai-bootcamp-logs", "genai-bootcamp-user-content"]
    rules_of = {bucket_of(storage, lc["bucket"]): {r["id"]: r for r in lc["rule"]}
                for lc in values(storage, "aws_s3_bucket_lifecycle_configuration")}
    frontend = rules_of["genai-bootcamp-frontend-assets"]
    assert frontend["expire-noncurrent-versions"]["noncurrent_version_expiration"][0][
        "noncurrent_days"] == 7
    archive = rules_of["genai-bootcamp-user-content"]["archive-old-content"]
    assert archive["filter"][0]["prefix"] == "archive/"
    assert archive["transition"] == [{"days": 90, "storage_class": "INTELLIGENT_TIERING"}]
    logs = rules_of["genai-bootcamp-logs"]["log-retention"]
    assert logs["transition"] == [{"days": 30, "storage_class": "INTELLIGENT_TIERING"},
                                  {"days": 90, "storage_class": "GLACIER"}]
    assert logs["expiration"] == [{"days": 365}]
    backups = rules_of["genai-bootcamp-backups"]["backup-retention"]
    assert backups["transition"] == [{"days": 30, "storage_class": "GLACIER"}]
    assert backups["expiration"] == [{"days": 730}]
    for policy in values(storage, "aws_s3_bucket_policy"):
        denies = [s for s in statements(storage, policy["policy"]) if s["effect"] == "Deny"]
        assert [s["sid"] for s in denies] == ["DenyInsecureTransport",
                                              "DenyUploadsWithoutBucketEncryption"]
        expected = "AES256" if bucket_of(storage, policy["bucket"]).endswith("-logs") \
            else "aws:kms"
        assert denies[1]["condition"][0]["values"] == [expected]
    logging = {bucket_of(storage, l["bucket"]): l for l in values(storage,
                                                                   "aws_s3_bucket_logging")}
    assert set(logging) == {n for n in names if not n.endswith("-logs")}
    for entry in logging.values():
        assert (entry["target_bucket"], entry["target_prefix"]) == (
            "genai-bootcamp-logs", "s3-access-logs/")
    inventories = values(storage, "aws_s3_bucket_inventory")
    assert len(inventories) == 3
    assert {i["schedule"]["frequency"] for i in inventories} == {"Weekly"}
    cors = one(storage, "aws_s3_bucket_cors_configuration")["cors_rule"][0]
    assert cors["allowed_methods"] == ["GET"] and len(cors["allowed_origins"]) == 8
    assert "http://localhost:3000" in cors["allowed_origins"]
    encryption = {bucket_of(storage, e["bucket"]): e["rule"][0][
        "apply_server_side_encryption_by_default"]["sse_algorithm"]
        for e in values(storage, "aws_s3_bucket_server_side_encryption_configuration")}
    assert encryption == {n: "AES256" if n.endswith("-logs") else "aws:kms" for n in names}


def test_content_processor_on_user_content_events(portal):
    storage = portal["storage"]
    function = one(storage, "aws_lambda_function")
    assert function["function_name"] == "content-processor-lambda"
    assert function["dead_letter_config"]["target_arn"]
    notification = one(storage, "aws_s3_bucket_notification")
    assert bucket_of(storage, notification["bucket"]) == "genai-bootcamp-user-content"
    assert notification["lambda_function"][0]["events"] == ["s3:ObjectCreated:*"]
    permission = one(storage, "aws_lambda_permission")
    assert permission["principal"] == "s3.amazonaws.com" and permission["source_account"]
    role_policy = one(storage, "aws_iam_role_policy")
    found = {s.get("sid"): s for s in statements(storage, role_policy["policy"])}
    assert found["ReadAndTagContent"]["resources"] == [
        "arn:aws:s3:::genai-bootcamp-user-content/*"]


def test_every_log_group_keeps_seven_days(portal):
    groups = [g for stack in portal.values() for g in values(stack, "aws_cloudwatch_log_group")]
    # The seed's 12, flow logs, DNS query logs, two clusters, the processor, the ALB's and
    # CloudFront's WAF, the seven build projects.
    assert len(groups) == 12 + 1 + 1 + 2 + 1 + 2 + len(catalog.PIPELINES)
    assert {g["retention_in_days"] for g in groups} == {7}
    names = {g["name"] for g in groups}
    assert names >= set(catalog.LOG_GROUPS)
    ecs = {g["name"] for g in values(portal["backend"], "aws_cloudwatch_log_group")}
    assert ecs >= set(catalog.ECS_LOG_GROUPS)


def test_alarms_tracing_bedrock_and_budget(portal):
    monitoring = portal["monitoring"]
    alarms = {a["alarm_name"]: a for a in values(monitoring, "aws_cloudwatch_metric_alarm")}
    cpu = alarms["genai-bootcamp-lang-portal-db-cpu"]
    assert (cpu["threshold"], cpu["period"] * cpu["evaluation_periods"]) == (80, 900)
    storage = alarms["genai-bootcamp-haiku-db-storage"]
    assert storage["period"] * storage["evaluation_periods"] == 1800
    assert alarms["genai-bootcamp-haiku-db-connections"]["threshold"] == 180
    s3_errors = alarms["genai-bootcamp-user-content-4xx"]
    assert (s3_errors["metric_name"], s3_errors["threshold"], s3_errors["period"]) == (
        "4xxErrors", 100, 300)
    size = alarms["genai-bootcamp-logs-size"]
    assert (size["threshold"], size["period"]) == (1024 ** 4, 86400)
    assert alarms["genai-bootcamp-daily-tokens"]["threshold"] == 800000
    rules = {r["rule_name"]: r for r in values(monitoring, "aws_xray_sampling_rule")}
    assert (rules["portal-default"]["fixed_rate"], rules["portal-default"]["reservoir_size"]) \
        == (0.05, 50)
    api = rules["portal-api-v1"]
    assert (api["url_path"], api["fixed_rate"], api["reservoir_size"]) == ("/api/v1/*", 0.2, 100)
    assert sorted(g["group_name"] for g in values(monitoring, "aws_xray_group")) == [
        "API-Calls", "Database-Queries"]
    budget = one(monitoring, "aws_budgets_budget")
    assert (budget["limit_amount"], budget["time_unit"]) == ("100", "MONTHLY")
    assert {n["threshold"] for n in budget["notification"]} == {70}


def test_bedrock_role_has_exactly_the_two_models(portal):
    backend = portal["backend"]
    roles = {r["name"] for r in values(backend, "aws_iam_role")}
    assert "bedrock-execution-role" in roles
    policies = {p["name"]: statements(backend, p["policy"])
                for p in values(backend, "aws_iam_role_policy")}
    found = {s["sid"]: s for s in policies["invoke-models"]}
    assert set(found) == {"InvokeTheTwoModels", "ReadInvocationLoggingSetting"}
    assert sorted(found["InvokeTheTwoModels"]["resources"]) == [
        "arn:aws:bedrock:us-east-1::foundation-model/amazon.titan-text-express-v1",
        "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-v2"]
    assert found["ReadInvocationLoggingSetting"]["actions"] == [
        "bedrock:GetModelInvocationLogging"]


def test_parts_reference_each_other_not_copies(portal):
    """Later parts read the network part's ids through remote state, never literal values."""
    text = json.dumps(portal["database"]) + json.dumps(portal["storage"])
    assert "cross-stack-reference-input-prod-portal-network" in text
    assert "terraform_remote_state" in portal["database"]["data"]
    assert "output" in portal["network"] and len(portal["network"]["output"]) > 5


def test_target_groups_health_checks_and_listeners(portal):
    backend = portal["backend"]
    groups = {g["name"]: g for g in values(backend, "aws_lb_target_group")}
    assert {g["port"] for g in groups.values()} == {8000, 8501, 7860}
    paths = {g["port"]: g["health_check"]["path"] for g in groups.values()}
    assert paths == {8000: "/api/health", 8501: "/healthz", 7860: "/view_api"}
    for group in groups.values():
        check = group["health_check"]
        assert (check["interval"], check["timeout"], check["healthy_threshold"],
                check["unhealthy_threshold"], check["matcher"]) == (30, 5, 2, 3, "200")
        assert group["target_type"] == "ip" and group["deregistration_delay"] == "30"
    listeners = {l["port"]: l for l in values(backend, "aws_lb_listener")}
    redirect = listeners[80]["default_action"][0]
    assert redirect["type"] == "redirect"
    assert (redirect["redirect"]["port"], redirect["redirect"]["protocol"]) == ("443", "HTTPS")
    assert listeners[443]["protocol"] == "HTTPS" and listeners[443]["certificate_arn"]
    rules = sorted(values(backend, "aws_lb_listener_rule"), key=lambda r: r["priority"])
    hosts = [r["condition"][0]["host_header"]["values"][0] for r in rules]
    assert hosts == ["lang-portal.app-dw.net", "haiku.app-dw.net", "vocab.app-dw.net",
                     "writing.app-dw.net"]
    assert [len(r["condition"]) for r in rules] == [2, 2, 1, 1]  # /api/* on the two APIs
    alb = one(backend, "aws_lb")
    assert alb["internal"] is False and alb["access_logs"]["enabled"] is True
    assert alb["access_logs"]["bucket"].startswith("${data.terraform_remote_state.")
    assert len(alb["subnets"]) == 3


def test_ecs_services(portal):
    backend = portal["backend"]
    tasks = {t["family"]: t for t in values(backend, "aws_ecs_task_definition")}
    assert len(tasks) == 5
    sizes = {family: (t["cpu"], t["memory"]) for family, t in tasks.items()}
    assert sizes == {"lang-portal-api": ("1024", "2048"), "haiku-api": ("1024", "2048"),
                     "vocab-backend": ("1024", "2048"), "vocab-frontend": ("2048", "4096"),
                     "writing-frontend": ("2048", "4096")}
    for task in tasks.values():
        app, collector = json.loads(task["container_definitions"])
        assert collector["name"] == "aws-otel-collector" and collector["essential"] is True
        assert app["essential"] is True and app["logConfiguration"]["logDriver"] == "awslogs"
        assert app["logConfiguration"]["options"]["awslogs-stream-prefix"] == "ecs"
        assert all(s["valueFrom"].startswith("${aws_secretsmanager_secret.")
                   for s in app["secrets"])
        assert app["healthCheck"]["startPeriod"] == 60
    services = {s["name"]: s for s in values(backend, "aws_ecs_service")}
    for service in services.values():
        assert service["capacity_provider_strategy"][0]["capacity_provider"] == "FARGATE_SPOT"
        assert (service["deployment_maximum_percent"],
                service["deployment_minimum_healthy_percent"]) == (200, 100)
        assert service["deployment_circuit_breaker"] == {"enable": True, "rollback": True}
        assert service["network_configuration"]["assign_public_ip"] is False
    assert "load_balancer" not in services["vocab-backend"]
    assert services["vocab-frontend"]["health_check_grace_period_seconds"] == 60
    assert "service_registries" in services["vocab-backend"]
    targets = {t["resource_id"].rsplit("/", 1)[-1] if "${" not in t["resource_id"] else
               t["resource_id"]: (t["min_capacity"], t["max_capacity"])
               for t in values(backend, "aws_appautoscaling_target")}
    assert sorted(targets.values()) == [(1, 2), (1, 2), (1, 3), (1, 3), (1, 3)]
    policies = values(backend, "aws_appautoscaling_policy")
    assert len(policies) == 10
    for policy in policies:
        config = policy["target_tracking_scaling_policy_configuration"]
        assert (config["target_value"], config["scale_in_cooldown"],
                config["scale_out_cooldown"]) == (70, 300, 60)
    metrics = {p["target_tracking_scaling_policy_configuration"][
        "predefined_metric_specification"]["predefined_metric_type"] for p in policies}
    assert metrics == {"ECSServiceAverageCPUUtilization", "ECSServiceAverageMemoryUtilization"}


def test_waf_on_the_load_balancer(portal):
    backend = portal["backend"]
    acl = one(backend, "aws_wafv2_web_acl")
    rules = {r["name"]: r for r in acl["rule"]}
    rate = next(r for r in acl["rule"] if "rate_based_statement" in r["statement"])
    assert rate["statement"]["rate_based_statement"]["limit"] == 2000
    managed = {r["statement"]["managed_rule_group_statement"]["name"] for r in rules.values()
               if "managed_rule_group_statement" in r["statement"]}
    assert managed == {"AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet",
                       "AWSManagedRulesAmazonIpReputationList"}
    assert not any("geo_match_statement" in json.dumps(r) for r in acl["rule"])
    assert one(backend, "aws_wafv2_web_acl_association")["resource_arn"].startswith("${aws_lb.")


def test_dns_records_and_certificate(portal):
    backend = portal["backend"]
    records = {r["name"]: r for r in values(backend, "aws_route53_record") if "alias" in r}
    assert set(records) == {"vocab.app-dw.net", "writing.app-dw.net"}
    certificate = one(backend, "aws_acm_certificate")
    assert certificate["domain_name"] == "app-dw.net"
    assert certificate["validation_method"] == "DNS"
    assert sorted(certificate["subject_alternative_names"]) == sorted(
        f"{app}.app-dw.net" for app in catalog.APPS)
    zones = [z["name"] for z in values(portal["network"], "aws_route53_zone")]
    assert sorted(zones) == ["app-dw.net", "internal.app-dw.net"]


def test_alb_and_service_alarms(portal):
    alarms = {a["alarm_name"]: a for a in values(portal["monitoring"],
                                                  "aws_cloudwatch_metric_alarm")}
    five = alarms["genai-bootcamp-alb-5xx-rate"]
    assert five["threshold"] == 5
    assert {q["id"] for q in five["metric_query"]} == {"result", "target", "elb", "requests"}
    assert all(q["metric"]["period"] == 300 for q in five["metric_query"] if "metric" in q)
    four = alarms["genai-bootcamp-alb-4xx-rate"]
    assert four["threshold"] == 10
    assert all(q["metric"]["period"] == 900 for q in four["metric_query"] if "metric" in q)
    p99 = alarms["genai-bootcamp-alb-latency-p99"]
    assert (p99["extended_statistic"], p99["threshold"], p99["period"]) == ("p99", 2, 300)
    p90 = alarms["genai-bootcamp-alb-latency-p90"]
    assert (p90["extended_statistic"], p90["threshold"], p90["period"]) == ("p90", 1, 900)
    tasks = [a for name, a in alarms.items() if name.endswith("-tasks")]
    assert len(tasks) == 5
    assert {a["comparison_operator"] for a in tasks} == {"GreaterThanThreshold"}
