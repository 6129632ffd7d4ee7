"""Users layer (phase 3): the Cognito user pool `<prefix>-users-<env>` whose ID tokens the chat
API's authorizer accepts, its two triggers and the table of confirmed users.

Who may claim which customer: `custom:customer_id` / `custom:client_id` become the identity the
API trusts, so they are immutable after sign-up, and the pre-sign-up trigger accepts a
self-service sign-up only with an invitation row in `<prefix>-customer-users-<env>` (written by
the back office). The post-confirmation trigger turns that row into the user's record (the
specification asks for the triggers but not what they do; this is the decision).
"""

from __future__ import annotations

from modules.dynamodb_table import DynamoTable, DynamoTableProps, DynamoTableSpec
from modules.lambda_package import build_function_package
from modules.stacks.system_stack import SystemStack
from modules.user_pool import (CustomAttribute, PasswordRules, TokenValidity, Trigger, UserPool,
                               UserPoolProps)
from systems.scheduling.catalog import Sources
from systems.scheduling.data import Data
from systems.scheduling.functions import base_environment, lambda_function
from systems.scheduling.names import SchedulingNames
from systems.scheduling.settings import SchedulingSettings
from systems.scheduling.switches import NO_CUSTOMER_KEY, excuse

USERS_TABLE = DynamoTableSpec(
    name="customer-users", partition_key="email", partition_key_type="S",
    purpose="Invitations and confirmed users of the user pool, by lowercase email")
# The same formats the chat API and the session attributes use.
CUSTOM_ATTRIBUTES = (CustomAttribute("customer_id", 3, 32), CustomAttribute("client_id", 1, 64))


def build_users(stack: SystemStack, settings: SchedulingSettings, names: SchedulingNames,
                data: Data, sources: Sources) -> UserPool:
    env, users = stack.env, settings.users
    # Sign-ups are rare and bursty: on demand, whatever the other tables' capacity mode.
    table = DynamoTable(stack, "table_customer_users", DynamoTableProps(
        table_name=names.table(USERS_TABLE.name), spec=USERS_TABLE, kms_key_arn=data.key_arn,
        region=env.region, deletion_protection=settings.tables.deletion_protection))
    if data.key_arn is None:
        excuse([table.table], ("CKV_AWS_119",), NO_CUSTOMER_KEY)
    variables = {
        "pre_sign_up": {
            "ALLOWED_EMAIL_DOMAINS": ",".join(users.allowed_email_domains),
            "ALLOWED_CLIENT_IDS": settings.pf360.client_id,
            "REQUIRE_INVITATION": "true" if users.require_invitation else "false"},
        "post_confirmation": {},
    }
    grants = {"pre_sign_up": table.read_statements(), "post_confirmation": table.write_statements()}
    triggers = {}
    for trigger, folder in (("pre_sign_up", "cognito_pre_signup"),
                            ("post_confirmation", "cognito_post_confirmation")):
        part = folder.replace("_", "-")
        function_name = names.service_function(part)
        function = lambda_function(
            stack, settings, data, f"function_{folder}",
            build_function_package(folder, sources.lambda_root, action_group=False),
            function_name=function_name, role_name=names.service_role(part),
            policy_name=names.service_policy(part),
            environment={**base_environment(stack, settings, function_name, names),
                         "USERS_TABLE": table.table_name, **variables[trigger]},
            statements=grants[trigger],
            # Cognito waits at most 5 s for a trigger.
            timeout_seconds=5, synchronous_callers="the Cognito user pool, as a trigger",
            description=f"Cognito {trigger.replace('_', '-')} trigger of {names.user_pool()}")
        triggers[trigger] = Trigger(function.function_arn, function.function_name)
    required = set(users.password_require)
    sms = users.sms_mfa and users.mfa != "OFF"
    return UserPool(stack, "users", UserPoolProps(
        pool_name=names.user_pool(), client_name=names.user_pool_client(),
        account_id=env.account_id, region=env.region,
        password=PasswordRules(
            minimum_length=users.password_min_length,
            require_lowercase="lowercase" in required, require_uppercase="uppercase" in required,
            require_numbers="numbers" in required, require_symbols="symbols" in required,
            temporary_password_validity_days=users.temporary_password_days),
        custom_attributes=CUSTOM_ATTRIBUTES, mfa=users.mfa,
        sms_role_name=names.user_pool_sms_role() if sms else "",
        triggers=triggers, deletion_protection=users.deletion_protection,
        threat_protection=users.threat_protection, self_sign_up=users.self_sign_up,
        tokens=TokenValidity(access_minutes=users.access_token_minutes,
                             id_minutes=users.id_token_minutes,
                             refresh_days=users.refresh_token_days)))
