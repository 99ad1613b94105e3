"""The CloudFormation template and ask-resources.json for the skill on Lambda.

No AWS here: cfn-lint checks the generated template offline against CloudFormation's
resource schemas, and the tests below read it for what cfn-lint cannot know, such as
the least privilege of the role and the names the code reads. Nothing is deployed.
"""

from __future__ import annotations

import argparse
import importlib
import json
from pathlib import Path
from typing import Any

import pytest

from intents import Catalogue
from skill.authoring import lambda_stack
from skill.authoring.interaction_model import DEPLOY_DIR, ask_resources, generated_files
from skill.checks import SKILL_ID_VARIABLE
from skill.memory.settings import STORE_VARIABLE
from skill.memory.user_key import KEY_VARIABLE
from tests.test_code_style import run_tool

TEMPLATE = DEPLOY_DIR / lambda_stack.TEMPLATE_PATH
DEPLOYER_PARAMETERS = {"SkillId", "LambdaRuntime", "LambdaHandler", "CodeBucket", "CodeKey"}
DEPLOYER_PARAMETERS |= {"CodeVersion"}
"""What @ask-cli/cfn-deployer passes to every stack it creates or updates."""


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    """The template as committed in deploy/."""
    data: dict[str, Any] = json.loads(TEMPLATE.read_text())
    return data


def resources_of(template: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [r for r in template["Resources"].values() if r["Type"] == kind]


def test_cfn_lint_finds_nothing_not_even_informational(template: dict[str, Any]) -> None:
    result = run_tool("cfn-lint", "--include-checks", "I", "--", str(TEMPLATE))
    assert result.returncode == 0, result.stdout + result.stderr


def too_little_memory(template: dict[str, Any]) -> str:
    template["Resources"]["SkillFunction"]["Properties"]["MemorySize"] = 1
    return "1 is less than the minimum of 128"


def a_table_gone(template: dict[str, Any]) -> str:
    del template["Resources"]["MemoryTable"]
    return "'MemoryTable' is not one of"  # still referred to


def an_action_that_does_not_exist(template: dict[str, Any]) -> str:
    role = template["Resources"]["SkillFunctionRole"]["Properties"]
    role["Policies"][0]["PolicyDocument"]["Statement"][1]["Action"] = ["dynamodb:Scann"]
    return "'scann' is not one of"  # no such action


@pytest.mark.parametrize(
    "breaking", [too_little_memory, a_table_gone, an_action_that_does_not_exist]
)
def test_cfn_lint_can_fail(template: dict[str, Any], tmp_path: Path, breaking: Any) -> None:
    broken = json.loads(json.dumps(template))
    mentioned = breaking(broken)
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(broken))
    result = run_tool("cfn-lint", "--", str(path))
    assert result.returncode != 0
    assert mentioned in result.stdout


def test_the_deployers_parameters_are_declared_and_no_other_is_required(
    template: dict[str, Any],
) -> None:
    parameters = template["Parameters"]
    assert set(parameters) >= DEPLOYER_PARAMETERS
    assert not [
        name for name in set(parameters) - DEPLOYER_PARAMETERS if "Default" not in parameters[name]
    ]
    function = resources_of(template, "AWS::Lambda::Function")[0]
    assert template["Outputs"]["SkillEndpoint"]["Value"] == {"Fn::GetAtt": ["SkillFunction", "Arn"]}
    assert function["Properties"]["Code"] == {
        "S3Bucket": {"Ref": "CodeBucket"},
        "S3Key": {"Ref": "CodeKey"},
        "S3ObjectVersion": {"Ref": "CodeVersion"},
    }


def test_only_alexa_for_this_skill_may_invoke_the_function(template: dict[str, Any]) -> None:
    (permission,) = resources_of(template, "AWS::Lambda::Permission")
    assert permission["Properties"] == {
        "Action": "lambda:InvokeFunction",
        "FunctionName": {"Fn::GetAtt": ["SkillFunction", "Arn"]},
        "Principal": "alexa-appkit.amazon.com",
        "EventSourceToken": {"Ref": "SkillId"},
    }


def test_the_role_may_write_its_own_logs_and_items_of_its_own_table_and_nothing_else(
    template: dict[str, Any],
) -> None:
    (role,) = resources_of(template, "AWS::IAM::Role")
    assert set(role["Properties"]) == {"AssumeRolePolicyDocument", "Policies"}, "no managed policy"
    (statement,) = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "lambda.amazonaws.com"}
    granted = {
        (action, json.dumps(each["Resource"], sort_keys=True))
        for policy in role["Properties"]["Policies"]
        for each in policy["PolicyDocument"]["Statement"]
        for action in each["Action"]
    }
    logs = json.dumps({"Fn::GetAtt": ["SkillLogGroup", "Arn"]})
    table = json.dumps({"Fn::GetAtt": ["MemoryTable", "Arn"]})
    assert granted == {
        ("logs:CreateLogStream", logs),
        ("logs:PutLogEvents", logs),
        *{
            (f"dynamodb:{verb}", table)
            for verb in ("GetItem", "PutItem", "UpdateItem", "DeleteItem")
        },
    }
    function = resources_of(template, "AWS::Lambda::Function")[0]["Properties"]
    assert function["LoggingConfig"]["LogGroup"] == {"Ref": "SkillLogGroup"}
    assert function["Role"] == {"Fn::GetAtt": ["SkillFunctionRole", "Arn"]}


def test_the_table_is_keyed_and_expires_as_the_dynamodb_store_writes(
    template: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")  # the SDK's adapter needs one to import
    store = importlib.import_module("skill.memory.dynamodb_store")
    (table,) = resources_of(template, "AWS::DynamoDB::Table")
    properties = table["Properties"]
    assert properties["KeySchema"] == [{"AttributeName": store.PARTITION_KEY, "KeyType": "HASH"}]
    assert properties["AttributeDefinitions"] == [
        {"AttributeName": store.PARTITION_KEY, "AttributeType": "S"}
    ]
    assert properties["TimeToLiveSpecification"] == {
        "AttributeName": store.EXPIRES_AT,
        "Enabled": True,
    }
    assert properties["BillingMode"] == "PAY_PER_REQUEST"


def test_the_function_gets_the_settings_the_handler_reads(template: dict[str, Any]) -> None:
    variables = resources_of(template, "AWS::Lambda::Function")[0]["Properties"]["Environment"][
        "Variables"
    ]
    assert variables == {
        SKILL_ID_VARIABLE: {"Ref": "SkillId"},
        STORE_VARIABLE: {"Fn::Sub": "dynamodb://${MemoryTable}"},
        KEY_VARIABLE: {"Fn::Sub": "{{resolve:secretsmanager:${UserKeySecret}:SecretString}}"},
    }
    (secret,) = resources_of(template, "AWS::SecretsManager::Secret")
    generated = secret["Properties"]["GenerateSecretString"]
    assert generated["PasswordLength"] >= 32 and "SecretString" not in secret["Properties"]


def test_ask_resources_points_at_the_template_the_handler_and_the_package_folder(
    catalogue: Catalogue,
) -> None:
    profile = ask_resources()["profiles"]["default"]
    infrastructure = profile["skillInfrastructure"]
    assert infrastructure["type"] == "@ask-cli/cfn-deployer"
    config = infrastructure["userConfig"]
    assert set(config) >= {"runtime", "handler", "templatePath", "awsRegion"}
    assert config["templatePath"].removeprefix("./") in generated_files(catalogue)
    assert (DEPLOY_DIR / config["templatePath"]).is_file()
    module, _, name = config["handler"].rpartition(".")
    assert callable(getattr(importlib.import_module(module), name))
    assert profile["code"]["default"]["src"] == f"./{lambda_stack.CODE_FOLDER}"
    assert "events" in config["targetEndpoint"], "SKILL_DISABLED must reach the function"
    from skill.cli import package_lambda

    parser = argparse.ArgumentParser()
    package_lambda.configure(parser)
    assert config["runtime"] == f"python{parser.get_default('python_version')}"
