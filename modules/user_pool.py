"""A Cognito user pool for a browser app: sign-in with a verified email, a password policy,
immutable custom attributes, optional MFA (SMS through a role only this pool can assume, and
authenticator apps), Lambda triggers invokable by this pool only, and one public app client
that signs in with SRP.

The app client has no secret: a browser cannot keep one, and SRP never sends the password.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from constructs import Construct

from modules.aws import provider_module
from modules.policy import Statement, policy_document
from modules.suppressions import suppress

TRIGGERS = ("pre_sign_up", "post_confirmation")


@dataclass(frozen=True)
class PasswordRules:
    minimum_length: int = 12
    require_lowercase: bool = True
    require_uppercase: bool = True
    require_numbers: bool = True
    require_symbols: bool = True
    temporary_password_validity_days: int = 7


@dataclass(frozen=True)
class CustomAttribute:
    """A string attribute `custom:<name>`, set once at sign-up (immutable afterwards)."""

    name: str
    min_length: int = 1
    max_length: int = 64


@dataclass(frozen=True)
class TokenValidity:
    access_minutes: int = 60
    id_minutes: int = 60
    refresh_days: int = 30


@dataclass(frozen=True)
class OAuthClient:
    """Hosted-UI sign-in of the app client: authorization-code grant by default."""

    callback_urls: tuple[str, ...]
    logout_urls: tuple[str, ...]
    scopes: tuple[str, ...] = ("openid", "email", "profile")
    flows: tuple[str, ...] = ("code",)


@dataclass(frozen=True)
class Trigger:
    function_arn: str
    function_name: str


@dataclass(frozen=True)
class UserPoolProps:
    pool_name: str
    client_name: str
    account_id: str
    region: str
    password: PasswordRules = PasswordRules()
    custom_attributes: tuple[CustomAttribute, ...] = ()
    #: "OFF", "OPTIONAL" (each user chooses) or "ON"; MFA by authenticator app, plus SMS when
    #: `sms_role_name` is set.
    mfa: str = "OPTIONAL"
    #: Role Cognito assumes to send SMS codes (external-id condition); "" sends no SMS.
    sms_role_name: str = ""
    #: Lambda triggers by name in TRIGGERS.
    triggers: dict[str, Trigger] = field(default_factory=dict)
    deletion_protection: bool = False
    #: Threat protection (advanced security): "OFF", "AUDIT" or "ENFORCED"; anything but OFF
    #: needs the PLUS feature tier.
    threat_protection: str = "ENFORCED"
    #: Let people sign themselves up (a pre-sign-up trigger decides); False: operators only.
    self_sign_up: bool = True
    tokens: TokenValidity = TokenValidity()
    #: Standard attributes every user must give at sign-up (e.g. "given_name").
    required_attributes: tuple[str, ...] = ()
    #: The app client's sign-in flows; SRP by default (the password never leaves the browser).
    auth_flows: tuple[str, ...] = ("ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH")
    #: Hosted-UI OAuth settings of the app client; None: API sign-in only.
    oauth: OAuthClient | None = None
    #: Prefix of the Cognito-hosted domain `<prefix>.auth.<region>.amazoncognito.com`; "" none.
    domain_prefix: str = ""

    def __post_init__(self) -> None:
        if self.mfa not in ("OFF", "OPTIONAL", "ON"):
            raise ValueError("mfa must be OFF, OPTIONAL or ON")
        if self.threat_protection not in ("OFF", "AUDIT", "ENFORCED"):
            raise ValueError("threat_protection must be OFF, AUDIT or ENFORCED")
        if self.mfa == "OFF" and self.sms_role_name:
            raise ValueError("an SMS role is only needed when MFA is OPTIONAL or ON")
        if not 8 <= self.password.minimum_length <= 99:
            raise ValueError("password minimum_length must be 8-99")
        unknown = sorted(set(self.triggers) - set(TRIGGERS))
        if unknown:
            raise ValueError(f"unknown trigger(s) {', '.join(unknown)}; "
                             f"known: {', '.join(TRIGGERS)}")
        for attribute in self.custom_attributes:
            if not re.fullmatch(r"[a-z][a-z0-9_]{0,19}", attribute.name):
                raise ValueError(f"custom attribute {attribute.name!r}: 1-20 lowercase letters, "
                                 "digits and '_'")


class UserPool(Construct):
    """Exposes `pool`, `client` and `domain` (L1; domain None without a prefix), `pool_id`,
    `pool_arn`, `client_id`, `sms_role`."""

    def __init__(self, scope: Construct, construct_id: str, props: UserPoolProps) -> None:
        super().__init__(scope, construct_id)
        module = provider_module("cognito_user_pool")
        external_id = f"{props.pool_name}-sms"
        self.sms_role = self._sms_role(props, external_id) if props.sms_role_name else None
        rules = props.password
        self.pool = module.CognitoUserPool(
            self, "pool", name=props.pool_name,
            username_attributes=["email"], auto_verified_attributes=["email"],
            username_configuration=module.CognitoUserPoolUsernameConfiguration(
                case_sensitive=False),
            verification_message_template=module.CognitoUserPoolVerificationMessageTemplate(
                default_email_option="CONFIRM_WITH_CODE"),
            account_recovery_setting=module.CognitoUserPoolAccountRecoverySetting(
                recovery_mechanism=[module.CognitoUserPoolAccountRecoverySettingRecoveryMechanism(
                    name="verified_email", priority=1)]),
            admin_create_user_config=module.CognitoUserPoolAdminCreateUserConfig(
                allow_admin_create_user_only=not props.self_sign_up),
            password_policy=module.CognitoUserPoolPasswordPolicy(
                minimum_length=rules.minimum_length, require_lowercase=rules.require_lowercase,
                require_uppercase=rules.require_uppercase, require_numbers=rules.require_numbers,
                require_symbols=rules.require_symbols,
                temporary_password_validity_days=rules.temporary_password_validity_days),
            schema=[*(module.CognitoUserPoolSchema(
                name=a.name, attribute_data_type="String", mutable=False, required=False,
                developer_only_attribute=False,
                string_attribute_constraints=module.CognitoUserPoolSchemaStringAttributeConstraints(
                    min_length=str(a.min_length), max_length=str(a.max_length)))
                for a in props.custom_attributes),
                # Standard attributes keep AWS's own constraints; only `required` is set.
                *(module.CognitoUserPoolSchema(
                    name=name, attribute_data_type="String", mutable=True, required=True,
                    developer_only_attribute=False,
                    string_attribute_constraints=module.CognitoUserPoolSchemaStringAttributeConstraints(
                        min_length="0", max_length="2048"))
                  for name in props.required_attributes)] or None,
            mfa_configuration=props.mfa,
            software_token_mfa_configuration=module.CognitoUserPoolSoftwareTokenMfaConfiguration(
                enabled=True) if props.mfa != "OFF" else None,
            sms_configuration=module.CognitoUserPoolSmsConfiguration(
                external_id=external_id, sns_caller_arn=self.sms_role.arn,
                sns_region=props.region) if self.sms_role else None,
            sms_authentication_message="Your sign-in code is {####}" if self.sms_role else None,
            lambda_config=module.CognitoUserPoolLambdaConfig(**{
                name: trigger.function_arn for name, trigger in props.triggers.items()})
            if props.triggers else None,
            user_pool_tier="ESSENTIALS" if props.threat_protection == "OFF" else "PLUS",
            user_pool_add_ons=module.CognitoUserPoolUserPoolAddOns(
                advanced_security_mode=props.threat_protection),
            deletion_protection="ACTIVE" if props.deletion_protection else "INACTIVE")
        for name, trigger in sorted(props.triggers.items()):
            provider_module("lambda_permission").LambdaPermission(
                self, f"allow_{name}", statement_id="AllowCognitoUserPoolInvoke",
                action="lambda:InvokeFunction", function_name=trigger.function_name,
                principal="cognito-idp.amazonaws.com", source_arn=self.pool.arn,
                source_account=props.account_id)
        attributes = [*(f"custom:{a.name}" for a in props.custom_attributes),
                      *(a for a in props.required_attributes if a != "email")]
        oauth = props.oauth
        tokens = props.tokens
        clients = provider_module("cognito_user_pool_client")
        self.client = clients.CognitoUserPoolClient(
            self, "client", name=props.client_name, user_pool_id=self.pool.id,
            generate_secret=False,
            explicit_auth_flows=list(props.auth_flows),
            allowed_oauth_flows_user_pool_client=True if oauth else None,
            allowed_oauth_flows=list(oauth.flows) if oauth else None,
            allowed_oauth_scopes=list(oauth.scopes) if oauth else None,
            callback_urls=list(oauth.callback_urls) if oauth else None,
            logout_urls=list(oauth.logout_urls) if oauth else None,
            supported_identity_providers=["COGNITO"] if oauth else None,
            prevent_user_existence_errors="ENABLED", enable_token_revocation=True,
            access_token_validity=tokens.access_minutes, id_token_validity=tokens.id_minutes,
            refresh_token_validity=tokens.refresh_days,
            token_validity_units=[clients.CognitoUserPoolClientTokenValidityUnits(
                access_token="minutes", id_token="minutes", refresh_token="days")],
            read_attributes=["email", "email_verified", *attributes],
            # Custom attributes are immutable: writable at sign-up, never changed afterwards.
            write_attributes=["email", *attributes])
        self.domain = provider_module("cognito_user_pool_domain").CognitoUserPoolDomain(
            self, "domain", domain=props.domain_prefix, user_pool_id=self.pool.id,
        ) if props.domain_prefix else None
        self.pool_id: str = self.pool.id
        self.pool_arn: str = self.pool.arn
        self.client_id: str = self.client.id

    def _sms_role(self, props: UserPoolProps, external_id: str):
        pool_arn = f"arn:aws:cognito-idp:{props.region}:{props.account_id}:userpool/*"
        trust = policy_document(self, "sms_trust", [Statement(
            sid="TrustCognitoOfThisAccount", actions=("sts:AssumeRole",),
            principals=(("Service", ("cognito-idp.amazonaws.com",)),),
            conditions=(("StringEquals", "sts:ExternalId", (external_id,)),
                        ("StringEquals", "aws:SourceAccount", (props.account_id,)),
                        ("ArnLike", "aws:SourceArn", (pool_arn,))))])
        role = provider_module("iam_role").IamRole(
            self, "sms_role", name=props.sms_role_name, assume_role_policy=trust.json,
            description=f"Lets {props.pool_name} send SMS sign-in codes")
        # Publishing to a phone number has no resource ARN; topics are refused explicitly.
        policy = policy_document(self, "sms_policy", [
            Statement(sid="SendSmsCodes", actions=("sns:Publish",), resources=("*",)),
            Statement(sid="NoTopics", effect="Deny", actions=("sns:Publish",),
                      resources=("arn:aws:sns:*:*:*",))])
        reason = ("Cognito sends SMS codes with sns:Publish to phone numbers, which have no "
                  "resource ARN; publishing to any topic is denied in the same policy.")
        suppress(policy, "CKV_AWS_111", reason, scan="terraform_json")
        attached = provider_module("iam_role_policy").IamRolePolicy(
            self, "sms_role_policy", name=f"{props.sms_role_name}-policy", role=role.id,
            policy=policy.json)
        suppress(attached, "CKV_AWS_290", reason, scan="terraform_plan")
        return role
