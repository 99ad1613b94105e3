"""The AWS CloudFormation template for the skill on Lambda, and the ASK CLI settings for it.

``closer build-model`` writes the template to ``deploy/`` (:data:`TEMPLATE_PATH`),
where ``ask deploy``'s ``@ask-cli/cfn-deployer`` reads it (ask-resources.json's
``skillInfrastructure``), uploads the code folder :data:`CODE_FOLDER` to S3 and
creates or updates the stack. The deployer passes the parameters ``SkillId``,
``LambdaRuntime``, ``LambdaHandler``, ``CodeBucket``, ``CodeKey`` and
``CodeVersion``, and reads the function's ARN back from the output ``SkillEndpoint``.

Why it is generated rather than written by hand: the names that must agree with the
code (the environment variables the function reads, the handler, the runtime) come
from the code's own constants, and ``closer build-model --check`` notices a stale
copy. JSON is a template format CloudFormation reads as it reads YAML.

What it creates, each with the least it needs:

- the function (``skill.aws_lambda.handler``), 512 MB, 10 s: Alexa waits 8 s in all;
- its role, allowed only to write its own log group and to get, put, update and
  delete items of its own table: no managed policy, no wildcard;
- its log group, kept 14 days: the lines name no one, but nothing needs them longer;
- the memory table: on-demand, keyed by the string ``id``, with DynamoDB's TTL on
  ``expires_at`` (:mod:`skill.memory.dynamodb_store`); deleted with the stack,
  memories and all, as nothing should outlive the skill;
- the secret the user key is made from (:mod:`skill.memory.user_key`): generated
  once by Secrets Manager and given to the function as ``CLOSER_USER_KEY`` through a
  dynamic reference, so it is in no file and no parameter, and the function needs
  no permission to read secrets. Whoever can read the function's configuration can
  read it there (Lambda keeps it encrypted at rest); that is the price of not
  fetching it at every cold start;
- the Alexa Skills Kit trigger: a permission for ``alexa-appkit.amazon.com`` to
  invoke the function for this skill id only, the function's trust boundary
  (see :mod:`skill.aws_lambda`).
"""

from __future__ import annotations

from typing import Any

from skill.checks import SKILL_ID_VARIABLE
from skill.memory.settings import STORE_VARIABLE
from skill.memory.user_key import KEY_VARIABLE

LAMBDA_HANDLER = "skill.aws_lambda.handler"
"""The function Lambda calls: module and name, as Lambda's ``Handler`` setting spells it."""
LAMBDA_RUNTIME = "python3.12"
"""Lambda's runtime identifier; ``closer package-lambda`` builds for its Python version."""
CODE_FOLDER = "lambda"
"""The unpacked package in deploy/ (``closer package-lambda --folder deploy/lambda``)."""
TEMPLATE_PATH = "infrastructure/cfn-deployer/skill-stack.json"
"""Where the template lives in deploy/, as the ASK CLI lays a project out."""
AWS_REGION = "us-east-1"
"""The AWS region of the stack: the one Alexa's North American endpoint is closest to."""
TABLE_KEY = "id"
"""The table's partition key, as the SDK's DynamoDB adapter names it (``PARTITION_KEY``)."""
TABLE_TTL = "expires_at"
"""The item attribute DynamoDB's TTL reads (``EXPIRES_AT`` in the DynamoDB store)."""
LOG_RETENTION_DAYS = 14
MEMORY_MB = 512
TIMEOUT_SECONDS = 10
GOES_WITH_THE_STACK = {"DeletionPolicy": "Delete", "UpdateReplacePolicy": "Delete"}
"""Said outright for what holds data: the logs, the memories and their key go with the
stack. Kept after it, they would be records about people that no skill uses or forgets."""


def _ref(name: str) -> dict[str, str]:
    return {"Ref": name}


def _arn(name: str) -> dict[str, list[str]]:
    return {"Fn::GetAtt": [name, "Arn"]}


def _parameters() -> dict[str, Any]:
    """Declare what the cfn-deployer passes in, and the one setting a person may change."""
    return {
        "SkillId": {
            "Type": "String",
            "Description": "The skill's id; the only skill allowed to invoke the function.",
            "AllowedPattern": r"amzn1\.ask\.skill\.[0-9A-Za-z.-]+",
        },
        "LambdaRuntime": {
            "Type": "String",
            "Default": LAMBDA_RUNTIME,
            "Description": "Lambda's Python runtime; closer package-lambda builds for it.",
            "AllowedPattern": r"python3\.[0-9]+",
        },
        "LambdaHandler": {"Type": "String", "Default": LAMBDA_HANDLER},
        "CodeBucket": {"Type": "String", "Description": "S3 bucket of the package."},
        "CodeKey": {"Type": "String", "Description": "S3 key of the package."},
        "CodeVersion": {"Type": "String", "Description": "S3 version of the package."},
        "LambdaArchitecture": {
            "Type": "String",
            "Default": "x86_64",
            "AllowedValues": ["x86_64", "arm64"],
            "Description": "Must match closer package-lambda --arch.",
        },
    }


def _function_policy() -> dict[str, Any]:
    """Its own log group's streams and its own table's items: nothing else."""
    return {
        "PolicyName": "closer-together-function",
        "PolicyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "WriteOwnLogs",
                    "Effect": "Allow",
                    "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                    "Resource": _arn("SkillLogGroup"),
                },
                {
                    "Sid": "KeepMemory",
                    "Effect": "Allow",
                    "Action": [
                        "dynamodb:GetItem",
                        "dynamodb:PutItem",
                        "dynamodb:UpdateItem",
                        "dynamodb:DeleteItem",
                    ],
                    "Resource": _arn("MemoryTable"),
                },
            ],
        },
    }


def _resources() -> dict[str, Any]:
    return {
        "SkillFunction": {
            "Type": "AWS::Lambda::Function",
            "Properties": {
                "Description": "Closer Together, the Alexa skill",
                "Code": {
                    "S3Bucket": _ref("CodeBucket"),
                    "S3Key": _ref("CodeKey"),
                    "S3ObjectVersion": _ref("CodeVersion"),
                },
                "Handler": _ref("LambdaHandler"),
                "Runtime": _ref("LambdaRuntime"),
                "Architectures": [_ref("LambdaArchitecture")],
                "MemorySize": MEMORY_MB,
                "Timeout": TIMEOUT_SECONDS,
                "Role": _arn("SkillFunctionRole"),
                "LoggingConfig": {"LogGroup": _ref("SkillLogGroup"), "LogFormat": "Text"},
                "Environment": {
                    "Variables": {
                        SKILL_ID_VARIABLE: _ref("SkillId"),
                        STORE_VARIABLE: {"Fn::Sub": "dynamodb://${MemoryTable}"},
                        KEY_VARIABLE: {
                            "Fn::Sub": "{{resolve:secretsmanager:${UserKeySecret}:SecretString}}"
                        },
                    }
                },
            },
        },
        "SkillFunctionRole": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "AssumeRolePolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "lambda.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }
                    ],
                },
                "Policies": [_function_policy()],
            },
        },
        "SkillLogGroup": {
            "Type": "AWS::Logs::LogGroup",
            **GOES_WITH_THE_STACK,
            "Properties": {"RetentionInDays": LOG_RETENTION_DAYS},
        },
        "MemoryTable": {
            "Type": "AWS::DynamoDB::Table",
            **GOES_WITH_THE_STACK,
            "Properties": {
                "BillingMode": "PAY_PER_REQUEST",
                "AttributeDefinitions": [{"AttributeName": TABLE_KEY, "AttributeType": "S"}],
                "KeySchema": [{"AttributeName": TABLE_KEY, "KeyType": "HASH"}],
                "TimeToLiveSpecification": {"AttributeName": TABLE_TTL, "Enabled": True},
            },
        },
        "UserKeySecret": {
            "Type": "AWS::SecretsManager::Secret",
            **GOES_WITH_THE_STACK,
            "Properties": {
                "Description": "Closer Together: the key each person's record is filed under "
                "(CLOSER_USER_KEY). Replacing it makes everything remembered unreachable.",
                "GenerateSecretString": {
                    "PasswordLength": 64,
                    "ExcludePunctuation": True,
                    "IncludeSpace": False,
                },
            },
        },
        "AlexaSkillTrigger": {
            "Type": "AWS::Lambda::Permission",
            "Properties": {
                "Action": "lambda:InvokeFunction",
                "FunctionName": _arn("SkillFunction"),
                "Principal": "alexa-appkit.amazon.com",
                "EventSourceToken": _ref("SkillId"),
            },
        },
    }


def skill_stack() -> dict[str, Any]:
    """Build the CloudFormation template: parameters, resources, the output the ASK CLI reads."""
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": "Closer Together on AWS Lambda, with memory in DynamoDB "
        "(written by closer build-model; edit skill/authoring/lambda_stack.py instead)",
        "Parameters": _parameters(),
        "Resources": _resources(),
        "Outputs": {
            "SkillEndpoint": {
                "Description": "The function's ARN: the skill's endpoint",
                "Value": _arn("SkillFunction"),
            },
            "MemoryTableName": {
                "Description": "The DynamoDB table that keeps the memory",
                "Value": _ref("MemoryTable"),
            },
        },
    }


def skill_infrastructure() -> dict[str, Any]:
    """ask-resources.json's ``skillInfrastructure``: the cfn-deployer and its settings.

    ``targetEndpoint`` makes the ASK CLI point the events endpoint at the function
    too, not only the custom one, so that disabling the skill (``SKILL_DISABLED``)
    reaches it and deletes the person's record.
    """
    return {
        "type": "@ask-cli/cfn-deployer",
        "userConfig": {
            "runtime": LAMBDA_RUNTIME,
            "handler": LAMBDA_HANDLER,
            "templatePath": f"./{TEMPLATE_PATH}",
            "awsRegion": AWS_REGION,
            "targetEndpoint": ["custom", "events"],
        },
    }
