"""Memory in a DynamoDB table: for several servers, or a server without a lasting disk.

Built on the ASK SDK's own adapter (``ask-sdk-dynamodb-persistence-adapter``, the
``dynamodb`` extra) and its item shape: the partition key ``id`` and the record
under ``attributes``, as a DynamoDB map. What this class adds:

- ``id`` is the keyed hash of the user id (:class:`~skill.memory.user_key.UserKey`
  as the adapter's ``partition_keygen``), never the id;
- every save sets ``expires_at`` (epoch seconds, 180 days on), the attribute the
  table's TTL setting must name, so DynamoDB deletes records nobody uses; a read
  moves it on at most once a day, and a record past it counts as gone even before
  DynamoDB gets round to deleting it (which can take days);
- numbers come back as ``int`` or ``float``, not the ``Decimal`` boto3 reads, so
  both stores return the same record (a whole float such as 2.0 comes back as 2);
- the boto3 resource has finite timeouts and one retry (:func:`dynamodb_resource`),
  where boto3's defaults wait a minute per try;
- every failure is a :class:`StoreError` of one line with the error's code only:
  DynamoDB's messages can quote request values.

Import this module only where a region is configured (``open_store`` checks first):
the SDK's adapter builds a default boto3 resource as it is imported, which raises
``NoRegionError`` without one.

The table is never created here (a production table is made once, with its TTL
setting, by whoever deploys; see README). Reads are strongly consistent, as the
SDK's adapter makes them, so a turn always sees the turn before it.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import boto3
from ask_sdk_core.exceptions import PersistenceException
from ask_sdk_dynamodb.adapter import DynamoDbAdapter
from ask_sdk_model import RequestEnvelope
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from skill.memory.errors import StoreError
from skill.memory.records import (
    RETENTION_SECONDS,
    SYSTEM_CLOCK,
    TOUCH_AFTER_SECONDS,
    Clock,
    encode,
)
from skill.memory.user_key import UserKey

PARTITION_KEY = "id"
"""The table's partition key (a string), as the SDK's adapter names it by default."""
ATTRIBUTES = "attributes"
"""Where the record is kept in the item, as the SDK's adapter names it by default."""
EXPIRES_AT = "expires_at"
"""The item's TTL attribute: a number, epoch seconds. The table's TTL must name it."""

CONNECT_TIMEOUT_SECONDS = 2.0
READ_TIMEOUT_SECONDS = 2.0
MAX_ATTEMPTS = 2
"""Tries per call, the first included. With the timeouts above a call gives up within
about 8 s at worst; Alexa waits 8 s for a whole answer, so more would not help."""


def dynamodb_resource() -> Any:
    """Build a boto3 DynamoDB resource from the standard AWS settings, with finite timeouts.

    Region, credentials and endpoint come from where boto3 always looks (the
    ``AWS_*`` variables such as ``AWS_DEFAULT_REGION`` and ``AWS_ENDPOINT_URL_DYNAMODB``,
    then ``~/.aws``, then the instance's role); only the timeouts and retries are set.
    """
    config = Config(
        connect_timeout=CONNECT_TIMEOUT_SECONDS,
        read_timeout=READ_TIMEOUT_SECONDS,
        retries={"total_max_attempts": MAX_ATTEMPTS, "mode": "standard"},
    )
    return boto3.session.Session().resource("dynamodb", config=config)


class DynamoDbStore(DynamoDbAdapter):
    """The SDK's DynamoDB adapter, keyed by the hashed user id, with a TTL on every record.

    ``resource`` defaults to :func:`dynamodb_resource`; ``clock`` gives the time.
    Nothing is sent to DynamoDB until the first read or write.
    """

    def __init__(
        self,
        table_name: str,
        key: UserKey,
        *,
        resource: Any = None,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        super().__init__(
            table_name=table_name,
            partition_key_name=PARTITION_KEY,
            attribute_name=ATTRIBUTES,
            create_table=False,
            partition_keygen=key,
            dynamodb_resource=resource if resource is not None else dynamodb_resource(),
        )
        self._table = self.dynamodb.Table(table_name)
        self._clock = clock

    def describe(self) -> str:
        """One line for ``closer serve`` to print at start: table, region, any endpoint."""
        meta = self.dynamodb.meta.client.meta
        where = f"DynamoDB table {self.table_name} in {meta.region_name}"
        default = f"https://dynamodb.{meta.region_name}.amazonaws.com"
        if meta.endpoint_url != default:
            where += f" at {meta.endpoint_url}"
        return f"memory: {where}"

    def get_attributes(self, request_envelope: RequestEnvelope) -> dict[str, Any]:
        """Return the person's record, or ``{}`` if there is none or it has expired."""
        user = self.partition_keygen(request_envelope)
        now = int(self._clock())
        with _failures("read", self.table_name):
            item = self._table.get_item(Key={PARTITION_KEY: user}, ConsistentRead=True).get("Item")
            if item is None or int(item.get(EXPIRES_AT, 0)) <= now:
                return {}
            if int(item[EXPIRES_AT]) - now <= RETENTION_SECONDS - TOUCH_AFTER_SECONDS:
                self._touch(user, now)
        record = _plain(item.get(ATTRIBUTES, {}))
        return record if isinstance(record, dict) else {}

    def save_attributes(
        self, request_envelope: RequestEnvelope, attributes: dict[str, Any]
    ) -> None:
        """Replace the person's record with ``attributes`` (the last write wins)."""
        record = json.loads(encode(attributes), parse_float=Decimal)
        user = self.partition_keygen(request_envelope)
        now = int(self._clock())
        with _failures("write", self.table_name):
            self._table.put_item(
                Item={
                    PARTITION_KEY: user,
                    ATTRIBUTES: record,
                    EXPIRES_AT: now + RETENTION_SECONDS,
                }
            )

    def delete_attributes(self, request_envelope: RequestEnvelope) -> None:
        """Forget the person's record (the SDK adapter's own delete); unknown is fine."""
        try:
            super().delete_attributes(request_envelope)
        except PersistenceException as error:
            cause = error.__context__
            raise StoreError(
                f"memory: could not delete a record in DynamoDB table {self.table_name}: "
                f"{_why(cause) if isinstance(cause, Exception) else 'failed'}"
            ) from None

    def _touch(self, user: str, now: int) -> None:
        """Move the record's expiry on, unless it has been deleted meanwhile."""
        # Best effort: the read has its record. ConditionalCheckFailed means deleted meanwhile.
        with contextlib.suppress(ClientError, BotoCoreError):
            self._table.update_item(
                Key={PARTITION_KEY: user},
                UpdateExpression="SET #expires = :expires",
                ConditionExpression="attribute_exists(#id)",
                ExpressionAttributeNames={"#expires": EXPIRES_AT, "#id": PARTITION_KEY},
                ExpressionAttributeValues={":expires": now + RETENTION_SECONDS},
            )


def _plain(value: Any) -> Any:
    """Turn boto3's ``Decimal`` numbers back into ``int`` (when whole) or ``float``."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {name: _plain(each) for name, each in value.items()}
    if isinstance(value, list):
        return [_plain(each) for each in value]
    return value


@contextlib.contextmanager
def _failures(action: str, table: str) -> Iterator[None]:
    """Turn boto3's errors into one :class:`StoreError` line that names no one."""
    try:
        yield
    except (BotoCoreError, ClientError) as error:
        raise StoreError(
            f"memory: could not {action} a record in DynamoDB table {table}: {_why(error)}"
        ) from None


def _why(error: Exception) -> str:
    """Name the error by its code (``ResourceNotFoundException``) or class, never its message."""
    if isinstance(error, ClientError):
        return str(error.response.get("Error", {}).get("Code") or "ClientError")
    return type(error).__name__
