"""The chatbot's deployment zips: each holds its handler at the root, the shared package and
the pinned urllib3, and nothing the runtime provides (boto3) or that differs per build."""

from __future__ import annotations

import zipfile

import pytest

from modules.lambda_package import build_function_package, source_root

FUNCTIONS = ("authorizer", "chat", "sessions", "salesforce")


@pytest.fixture(scope="module")
def packages(tmp_path_factory):
    build = tmp_path_factory.mktemp("chatbot-zips")
    return {f: build_function_package(f, source_root("chatbot"), build_dir=build,
                                      action_group=False) for f in FUNCTIONS}


def test_every_function_folder_is_deployed():
    from systems.chatbot.functions import FUNCTION_KEYS

    folders = {p.parent.name for p in source_root("chatbot").glob("*/handler.py")}
    assert folders == set(FUNCTION_KEYS) == set(FUNCTIONS)


@pytest.mark.parametrize("function", FUNCTIONS)
def test_zip_layout(packages, function):
    names = zipfile.ZipFile(packages[function].zip_path).namelist()
    assert "handler.py" in names and "chatbot_core/http.py" in names
    assert "urllib3/__init__.py" in names
    assert not any(n.startswith(("boto3/", "botocore/")) or n.endswith(".pyc") for n in names)
    source = zipfile.ZipFile(packages[function].zip_path).read("handler.py").decode()
    compile(source, f"{function}/handler.py", "exec")


def test_zips_are_reproducible(packages, tmp_path):
    again = build_function_package("chat", source_root("chatbot"), build_dir=tmp_path,
                                   action_group=False)
    assert again.sha256_b64 == packages["chat"].sha256_b64
