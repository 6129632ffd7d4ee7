"""The JWT authorizer: HS256 with the signing key read from Secrets Manager at run time and
cached; refuses expired, wrong-signature, alg=none / other algorithms, wrong issuer or
audience; fuzzed with hypothesis."""

from __future__ import annotations

import base64
import json
import re
import time

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from chatbot_core import jwt, secrets

KEY = b"k" * 40
OPTIONS = {"issuer": "pf-chatbot", "audience": "pf-chatbot-api"}


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def authorize(handlers, kit, bearer: str | None, method_arn: str | None = None) -> dict:
    event = {"type": "TOKEN", "methodArn": method_arn or kit.METHOD_ARN,
             "authorizationToken": bearer}
    return handlers.authorizer.lambda_handler(event)


def refused(handlers, kit, bearer) -> bool:
    try:
        authorize(handlers, kit, bearer)
    except Exception as exc:  # noqa: BLE001 - API Gateway's contract is this exact message
        assert str(exc) == "Unauthorized"
        return True
    return False


def test_valid_token_allows_the_whole_stage_with_the_user_in_context(aws, chatbot_handlers,
                                                                     kit):
    result = authorize(chatbot_handlers, kit, f"Bearer {kit.token('user-42')}")
    assert result["principalId"] == "user-42" and result["context"] == {"userId": "user-42"}
    (statement,) = result["policyDocument"]["Statement"]
    assert statement == {"Action": "execute-api:Invoke", "Effect": "Allow",
                         "Resource": "arn:aws:execute-api:us-east-1:111122223333:abc123/test/*/*"}


@pytest.mark.parametrize("case", [
    "expired", "wrong-signature", "alg-none", "alg-hs512", "alg-rs256", "wrong-issuer",
    "wrong-audience", "no-sub", "not-yet-valid", "no-exp", "no-bearer", "two-parts",
    "issued-in-future", "exp-as-string", "sub-with-space"])
def test_bad_tokens_are_refused(aws, chatbot_handlers, kit, case):
    now = int(time.time())
    unsigned = lambda header, claims: f"{b64(json.dumps(header).encode())}." \
                                      f"{b64(json.dumps(claims).encode())}."  # noqa: E731
    good = {"sub": "u", "iss": kit.ISSUER, "aud": kit.AUDIENCE, "exp": now + 600}
    tokens = {
        "expired": kit.token(exp=now - 120),
        "wrong-signature": kit.token(key="x" * 40),
        "alg-none": unsigned({"alg": "none", "typ": "JWT"}, good),
        "alg-hs512": jwt.sign(good, kit.SIGNING_KEY.encode(), {"alg": "HS512"}),
        "alg-rs256": jwt.sign(good, kit.SIGNING_KEY.encode(), {"alg": "RS256"}),
        "wrong-issuer": kit.token(iss="someone-else"),
        "wrong-audience": kit.token(aud="other-api"),
        "no-sub": kit.token(sub=None),
        "not-yet-valid": kit.token(nbf=now + 3600),
        "no-exp": kit.token(exp=None),
        "two-parts": ".".join(kit.token().split(".")[:2]),
        "issued-in-future": kit.token(iat=now + 3600),
        "exp-as-string": kit.token(exp=str(now + 600)),
        "sub-with-space": kit.token(sub="a b"),
    }
    bearer = kit.token() if case == "no-bearer" else f"Bearer {tokens[case]}"
    assert refused(chatbot_handlers, kit, bearer)


def test_audience_may_be_a_list_and_leeway_absorbs_skew(aws, chatbot_handlers, kit):
    now = int(time.time())
    for bearer in (kit.token(aud=["other", kit.AUDIENCE]), kit.token(exp=now - 10)):
        assert not refused(chatbot_handlers, kit, f"Bearer {bearer}")


def test_key_is_read_once_and_a_replaced_key_is_picked_up(aws, chatbot_handlers, kit,
                                                          monkeypatch):
    reads = []
    original = secrets._secrets_client()
    real = original.get_secret_value

    def counting(**kwargs):
        reads.append(kwargs["SecretId"])
        return real(**kwargs)
    monkeypatch.setattr(original, "get_secret_value", counting)
    for _ in range(3):
        authorize(chatbot_handlers, kit, f"Bearer {kit.token()}")
    assert len(reads) == 1  # cached between invocations of one container
    new_key = "n" * 40
    aws.manager.put_secret_value(SecretId=aws.arns["jwt"],
                                 SecretString=json.dumps({"signing_key": new_key}))
    authorize(chatbot_handlers, kit, f"Bearer {kit.token(key=new_key)}")
    assert len(reads) == 2  # a bad signature re-reads the key once
    assert refused(chatbot_handlers, kit, f"Bearer {kit.token(key='z' * 40)}")


def test_a_short_signing_key_refuses_every_token(aws, chatbot_handlers, kit):
    aws.manager.put_secret_value(SecretId=aws.arns["jwt"],
                                 SecretString=json.dumps({"signing_key": "short"}))
    assert refused(chatbot_handlers, kit, f"Bearer {jwt.sign({'sub': 'u'}, b'short')}")


def test_a_foreign_method_arn_is_refused(aws, chatbot_handlers, kit):
    with pytest.raises(Exception, match="Unauthorized"):
        authorize(chatbot_handlers, kit, f"Bearer {kit.token()}", method_arn="arn:aws:s3:::x")


# -- fuzzing the verifier (pure, no AWS) -------------------------------------------------------

def valid_claims(now: float) -> dict:
    return {"sub": "user-1", "iss": OPTIONS["issuer"], "aud": OPTIONS["audience"],
            "exp": now + 300}


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_arbitrary_text_never_verifies(text):
    with pytest.raises(jwt.InvalidToken):
        jwt.verify(text, KEY, now=time.time(), **OPTIONS)


@settings(max_examples=300, deadline=None)
@given(position=st.integers(min_value=0), replacement=st.sampled_from(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."))
def test_any_changed_character_breaks_a_valid_token(position, replacement):
    now = time.time()
    token = jwt.sign(valid_claims(now), KEY)
    index = position % len(token)
    changed = token[:index] + replacement + token[index + 1:]
    if changed == token:
        return
    try:
        claims = jwt.verify(changed, KEY, now=now, **OPTIONS)
    except jwt.InvalidToken:
        return
    # base64url's last character can carry unused bits: then the bytes, and claims, are equal.
    assert claims == valid_claims(now)


scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**12, 10**12),
                    st.floats(allow_nan=True), st.text(max_size=20))


@settings(max_examples=400, deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(sub=st.one_of(st.just("user-1"), scalars), iss=st.sampled_from(
    [OPTIONS["issuer"], "other", None]), aud=st.one_of(st.sampled_from(
        [OPTIONS["audience"], "other", None]), st.lists(st.sampled_from(
            [OPTIONS["audience"], "x"]), max_size=2)),
    exp_offset=st.one_of(st.none(), st.integers(-10**6, 10**6)),
    nbf_offset=st.one_of(st.none(), st.integers(-10**6, 10**6)),
    alg=st.sampled_from(["HS256", "none", "HS384", "RS256", "hs256"]),
    signing_key=st.sampled_from([KEY, b"o" * 40]))
def test_verify_accepts_exactly_what_the_rules_allow(sub, iss, aud, exp_offset, nbf_offset,
                                                     alg, signing_key):
    now = 1_700_000_000.0
    claims = {"sub": sub, "iss": iss, "aud": aud}
    if exp_offset is not None:
        claims["exp"] = now + exp_offset
    if nbf_offset is not None:
        claims["nbf"] = now + nbf_offset
    token = jwt.sign(claims, signing_key, {"alg": alg, "typ": "JWT"})
    expected = (alg == "HS256" and signing_key == KEY and exp_offset is not None
                and exp_offset > -jwt.LEEWAY_SECONDS
                and (nbf_offset is None or nbf_offset <= jwt.LEEWAY_SECONDS)
                and iss == OPTIONS["issuer"]
                and (aud == OPTIONS["audience"] or (isinstance(aud, list)
                                                    and OPTIONS["audience"] in aud))
                and isinstance(sub, str) and re.fullmatch(r"[A-Za-z0-9@._:|-]{1,128}", sub)
                is not None)
    try:
        jwt.verify(token, KEY, now=now, **OPTIONS)
        accepted = True
    except jwt.InvalidToken:
        accepted = False
    assert accepted == expected, claims
