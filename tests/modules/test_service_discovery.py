"""modules/service_discovery.py: a private DNS namespace in the VPC and one A-record service
per name, healthy tasks only."""

from __future__ import annotations

import pytest

from modules.service_discovery import ServiceDiscovery, ServiceDiscoveryProps
from tests.conftest import one, resources, synth_construct


def test_namespace_and_services():
    stack = synth_construct(lambda s: ServiceDiscovery(s, "sd", ServiceDiscoveryProps(
        namespace="app.internal", vpc_id="vpc-1", services=("api", "backend"), ttl_seconds=30)))
    namespace = one(stack, "aws_service_discovery_private_dns_namespace")
    assert (namespace["name"], namespace["vpc"]) == ("app.internal", "vpc-1")
    services = {s["name"]: s for s in resources(stack, "aws_service_discovery_service").values()}
    assert set(services) == {"api", "backend"}
    for service in services.values():
        assert service["dns_config"]["dns_records"] == [{"ttl": 30, "type": "A"}]
        assert service["dns_config"]["routing_policy"] == "MULTIVALUE"
        assert service["health_check_custom_config"] == {"failure_threshold": 1}


def test_duplicate_service_names_are_refused():
    with pytest.raises(ValueError, match="unique"):
        ServiceDiscoveryProps(namespace="n", vpc_id="v", services=("a", "a"))
