"""Who a REST API's callers are: a Cognito user-pool authorizer or a Lambda (TOKEN / REQUEST)
authorizer, described by `Authorizer` and attached with `attach_authorizer`.

`RestApiProps.authorizer` puts every route method behind it (`Route.authorize=False` keeps a
route such as `/health` open, with its reason). A Lambda authorizer gets an invoke permission
scoped to this one authorizer of this one API (`<execution arn>/authorizers/<id>`), so no other
API or authorizer can call the function.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass
from typing import Any, Callable

from constructs import Construct

from modules.aws import provider_module
from modules.rest_api_routes import MethodAuthorization

#: API Gateway authorizer types; TOKEN and REQUEST call a Lambda function.
TYPES = ("COGNITO_USER_POOLS", "TOKEN", "REQUEST")
BEARER_HEADER = "method.request.header.Authorization"
MAX_RESULT_TTL = 3600
_NAME = re.compile(r"[A-Za-z0-9_-]{1,128}")
_SOURCE = re.compile(r"(method\.request\.(header|querystring|multivaluequerystring|"
                     r"multivalueheader)|stageVariables|context)\.[A-Za-z0-9._-]+")
_USER_POOL_ARN = re.compile(r"arn:aws[a-z-]*:cognito-idp:[a-z0-9-]+:\d{12}:userpool/[\w-]+")
_FUNCTION_ARN = re.compile(r"arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[\w-]+(:[\w-]+)?")
_SCOPE = re.compile(r"[\x21\x23-\x5B\x5D-\x7E]{1,256}")


def _resolved_later(value: str) -> bool:
    """A Terraform reference (`${...}`), whose value the plan knows, not the synthesizer."""
    return "${" in value


@dataclass(frozen=True)
class Authorizer:
    """One authorizer; build it with `cognito`, `lambda_token` or `lambda_request`."""

    name: str
    type: str
    #: Cognito user pools whose tokens are accepted (COGNITO_USER_POOLS).
    user_pool_arns: tuple[str, ...] = ()
    #: OAuth scopes every authorized method requires (COGNITO_USER_POOLS); () accepts ID tokens.
    scopes: tuple[str, ...] = ()
    #: The authorizer function (TOKEN, REQUEST): its ARN and its name (for the permission).
    function_arn: str = ""
    function_name: str = ""
    #: Where the credential is read: one source for TOKEN and Cognito, comma-separated for REQUEST.
    identity_source: str = BEARER_HEADER
    #: Seconds API Gateway caches a decision per identity; 0 calls the authorizer every time.
    result_ttl_seconds: int = 300
    #: TOKEN only: a regex a token must match before the function is called ("" checks nothing).
    identity_validation_expression: str = ""

    @classmethod
    def cognito(cls, name: str, user_pool_arns: tuple[str, ...], scopes: tuple[str, ...] = (),
                identity_source: str = BEARER_HEADER) -> "Authorizer":
        return cls(name=name, type="COGNITO_USER_POOLS", user_pool_arns=tuple(user_pool_arns),
                   scopes=tuple(scopes), identity_source=identity_source)

    @classmethod
    def lambda_token(cls, name: str, function_arn: str, function_name: str, *,
                     identity_source: str = BEARER_HEADER, result_ttl_seconds: int = 300,
                     identity_validation_expression: str = "") -> "Authorizer":
        return cls(name=name, type="TOKEN", function_arn=function_arn,
                   function_name=function_name, identity_source=identity_source,
                   result_ttl_seconds=result_ttl_seconds,
                   identity_validation_expression=identity_validation_expression)

    @classmethod
    def lambda_request(cls, name: str, function_arn: str, function_name: str, *,
                       identity_sources: tuple[str, ...] = (BEARER_HEADER,),
                       result_ttl_seconds: int = 300) -> "Authorizer":
        return cls(name=name, type="REQUEST", function_arn=function_arn,
                   function_name=function_name, identity_source=",".join(identity_sources),
                   result_ttl_seconds=result_ttl_seconds)

    def __post_init__(self) -> None:
        where = f"authorizer {self.name!r}"
        if not _NAME.fullmatch(self.name):
            raise ValueError(f"{where}: name must be 1-128 letters, digits, '-' or '_'")
        if self.type not in TYPES:
            raise ValueError(f"{where}: type must be one of {', '.join(TYPES)}")
        if not 0 <= self.result_ttl_seconds <= MAX_RESULT_TTL:
            raise ValueError(f"{where}: result_ttl_seconds must be 0-{MAX_RESULT_TTL}")
        sources = [s.strip() for s in self.identity_source.split(",")] \
            if self.identity_source else []
        if not all(_SOURCE.fullmatch(s) for s in sources):
            raise ValueError(f"{where}: identity_source must be method.request.header.<name>, "
                             "method.request.querystring.<name>, stageVariables.<name> or "
                             "context.<name> (comma-separated for REQUEST)")
        if self.type != "REQUEST" and len(sources) != 1:
            raise ValueError(f"{where}: a {self.type} authorizer reads exactly one "
                             "identity_source")
        if self.type == "REQUEST" and self.result_ttl_seconds and not sources:
            raise ValueError(f"{where}: a cached REQUEST authorizer needs an identity_source "
                             "(the cache key)")
        if self.identity_validation_expression and self.type != "TOKEN":
            raise ValueError(f"{where}: identity_validation_expression is for TOKEN only")
        if self.type == "COGNITO_USER_POOLS":
            self._check_cognito(where)
        else:
            self._check_function(where)

    def _check_cognito(self, where: str) -> None:
        if not self.user_pool_arns or len(self.user_pool_arns) > 1000:
            raise ValueError(f"{where}: a Cognito authorizer needs 1-1000 user_pool_arns")
        bad = [a for a in self.user_pool_arns
               if not (_resolved_later(a) or _USER_POOL_ARN.fullmatch(a))]
        if bad:
            raise ValueError(f"{where}: {bad[0]!r} is not a Cognito user pool ARN")
        if not all(_SCOPE.fullmatch(s) for s in self.scopes) or \
                len(set(self.scopes)) != len(self.scopes):
            raise ValueError(f"{where}: scopes must be distinct OAuth scope names")
        if self.function_arn or self.function_name:
            raise ValueError(f"{where}: a Cognito authorizer takes no function")

    def _check_function(self, where: str) -> None:
        if not (_resolved_later(self.function_arn) or _FUNCTION_ARN.fullmatch(self.function_arn)):
            raise ValueError(f"{where}: function_arn {self.function_arn!r} is not a Lambda "
                             "function ARN")
        if not self.function_name:
            raise ValueError(f"{where}: a Lambda authorizer needs function_name")
        if self.user_pool_arns or self.scopes:
            raise ValueError(f"{where}: user_pool_arns and scopes are for Cognito authorizers")

    @property
    def authorization(self) -> str:
        """The method's `authorization` value."""
        return "COGNITO_USER_POOLS" if self.type == "COGNITO_USER_POOLS" else "CUSTOM"

    def fingerprint(self, resolve: Callable[[Any], Any] = lambda value: value) -> str:
        """sha256 of the description; a change means the API must be redeployed.

        `resolve` (the stack's `resolve`) turns references into the Terraform expressions they
        stand for: unresolved, they are placeholders numbered in the order the whole app
        created them, so any unrelated construct added earlier would change the hash and
        redeploy the API."""
        described = resolve(json.loads(json.dumps(asdict(self))))  # tuples as lists for jsii
        return hashlib.sha256(json.dumps(described, sort_keys=True).encode()).hexdigest()


def attach_authorizer(scope: Construct, construct_id: str, authorizer: Authorizer, *,
                      rest_api_id: str, execution_arn: str, region: str) -> MethodAuthorization:
    """Create the `aws_api_gateway_authorizer` (and, for a Lambda, its invoke permission);
    returns what every authorized method sets."""
    is_lambda = authorizer.type != "COGNITO_USER_POOLS"
    created = provider_module("api_gateway_authorizer").ApiGatewayAuthorizer(
        scope, construct_id, rest_api_id=rest_api_id, name=authorizer.name,
        type=authorizer.type, identity_source=authorizer.identity_source or None,
        provider_arns=list(authorizer.user_pool_arns) or None,
        authorizer_uri=(f"arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/"
                        f"{authorizer.function_arn}/invocations") if is_lambda else None,
        authorizer_result_ttl_in_seconds=authorizer.result_ttl_seconds,
        identity_validation_expression=authorizer.identity_validation_expression or None)
    if is_lambda:
        # Invoked through this permission, not an authorizer role: nothing else may call it.
        provider_module("lambda_permission").LambdaPermission(
            scope, f"{construct_id}_permission", statement_id="AllowApiGatewayAuthorizer",
            action="lambda:InvokeFunction", function_name=authorizer.function_name,
            principal="apigateway.amazonaws.com",
            source_arn=f"{execution_arn}/authorizers/{created.id}")
    return MethodAuthorization(authorization=authorizer.authorization, authorizer_id=created.id,
                               scopes=authorizer.scopes)
