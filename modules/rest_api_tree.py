"""The routes of a REST API as resources: the resource tree, one Lambda proxy method per
route, request models and validators, and the CORS preflight of every resource with routes."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Mapping

from constructs import Construct

from modules.aws import provider_module
from modules.rest_api_cors import preflight
from modules.rest_api_routes import MethodAuthorization, Route, model_name, slug
from modules.suppressions import suppress


@dataclass(frozen=True)
class RouteTreeProps:
    rest_api_id: str
    root_resource_id: str
    #: The Lambda invocation URI of the proxy integration.
    integration_uri: str
    routes: tuple[Route, ...]
    #: Origins answered by the OPTIONS preflights; () creates no OPTIONS methods.
    cors_allow_origins: tuple[str, ...] = ()
    integration_timeout_ms: int = 29000
    authorization: MethodAuthorization = MethodAuthorization()
    #: Integration URI of each extra backend, by key (routes with `backend` set use it).
    backend_uris: Mapping[str, str] = field(default_factory=dict)


def fingerprint(props: RouteTreeProps) -> str:
    """sha256 of everything the route tree deploys; a change means a new deployment."""
    described = {
        "routes": sorted([r.path, r.method, r.api_key_required,
                          None if r.request_model is None else dict(r.request_model)]
                         for r in props.routes),
        "cors": sorted(props.cors_allow_origins),
        "timeout": props.integration_timeout_ms,
        "authorization": [props.authorization.authorization, list(props.authorization.scopes)],
    }
    # Added only when used, so the fingerprint of an API without open routes stays the same.
    if any(not r.authorize for r in props.routes):
        described["unauthorized"] = sorted([r.path, r.method] for r in props.routes
                                           if not r.authorize)
    if any(r.backend for r in props.routes):
        described["backends"] = sorted([r.path, r.method, r.backend] for r in props.routes
                                       if r.backend)
    return hashlib.sha256(json.dumps(described, sort_keys=True).encode()).hexdigest()


class RouteTree(Construct):
    """Exposes `deployment_dependencies` (every method, integration and response a deployment
    must follow) and `resource_ids` (path -> resource id)."""

    def __init__(self, scope: Construct, construct_id: str, props: RouteTreeProps) -> None:
        super().__init__(scope, construct_id)
        if not props.routes:
            raise ValueError("a REST API needs at least one route")
        keys = [(r.path, r.method) for r in props.routes]
        if len(set(keys)) != len(keys):
            raise ValueError("two routes share the same path and method")
        unknown = sorted({r.backend for r in props.routes if r.backend} - set(props.backend_uris))
        if unknown:
            raise ValueError(f"routes name backends that the API does not have: {unknown}")
        api = props.rest_api_id
        self.resource_ids: dict[str, str] = {"/": props.root_resource_id}
        self.deployment_dependencies: list = []
        self._resources(props)
        validators = provider_module("api_gateway_request_validator")
        parameters = validators.ApiGatewayRequestValidator(
            self, "validate_parameters", rest_api_id=api, name="parameters",
            validate_request_parameters=True, validate_request_body=False)
        body = validators.ApiGatewayRequestValidator(
            self, "validate_body", rest_api_id=api, name="body-and-parameters",
            validate_request_parameters=True, validate_request_body=True,
        ) if any(r.request_model is not None for r in props.routes) else None
        for route in props.routes:
            self._route(props, route, body.id if route.request_model is not None and body
                        else parameters.id)
        for path in sorted({r.path for r in props.routes}) if props.cors_allow_origins else ():
            self.deployment_dependencies += preflight(
                self, f"options_{slug(path)}", rest_api_id=api, resource_id=self.resource_ids[path],
                methods=tuple(r.method for r in props.routes if r.path == path),
                origins=props.cors_allow_origins, validator_id=parameters.id)

    def _resources(self, props: RouteTreeProps) -> None:
        resource = provider_module("api_gateway_resource").ApiGatewayResource
        seen: dict[str, str] = {}
        for route in sorted(props.routes, key=lambda r: r.path):
            for depth in range(1, len(route.segments) + 1):
                path = "/" + "/".join(route.segments[:depth])
                if path in self.resource_ids:
                    continue
                if seen.setdefault(slug(path), path) != path:
                    raise ValueError(f"paths {seen[slug(path)]} and {path} differ only in "
                                     "punctuation; rename one")
                parent = "/" + "/".join(route.segments[:depth - 1])
                self.resource_ids[path] = resource(
                    self, f"resource_{slug(path)}", rest_api_id=props.rest_api_id,
                    parent_id=self.resource_ids[parent], path_part=route.segments[depth - 1]).id

    def _route(self, props: RouteTreeProps, route: Route, validator_id: str) -> None:
        name = f"{route.method.lower()}_{slug(route.path)}"
        models = None
        if route.request_model is not None:
            model = provider_module("api_gateway_model").ApiGatewayModel(
                self, f"model_{name}", rest_api_id=props.rest_api_id, name=model_name(route),
                content_type="application/json",
                schema=json.dumps(route.request_model, sort_keys=True))
            models = {"application/json": model.name}
        auth = props.authorization if route.authorize else MethodAuthorization()
        method = provider_module("api_gateway_method").ApiGatewayMethod(
            self, f"method_{name}", rest_api_id=props.rest_api_id,
            resource_id=self.resource_ids[route.path], http_method=route.method,
            authorization=auth.authorization, authorizer_id=auth.authorizer_id,
            authorization_scopes=list(auth.scopes) or None,
            api_key_required=route.api_key_required, request_validator_id=validator_id,
            request_models=models,
            request_parameters={f"method.request.path.{p}": True for p in route.path_parameters}
            or None)
        if not route.api_key_required and auth.authorization == "NONE":
            suppress(method, "CKV_AWS_59", route.open_reason)
        integration = provider_module("api_gateway_integration").ApiGatewayIntegration(
            self, f"integration_{name}", rest_api_id=props.rest_api_id,
            resource_id=method.resource_id, http_method=method.http_method,
            type="AWS_PROXY", integration_http_method="POST",
            uri=props.backend_uris[route.backend] if route.backend else props.integration_uri,
            timeout_milliseconds=props.integration_timeout_ms)
        self.deployment_dependencies += [method, integration]
