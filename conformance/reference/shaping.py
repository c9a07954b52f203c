"""How a JSON answer is written, within what COMMON C5 leaves open.

The modules build bodies one way; this layer rewrites every JSON and
problem body the platform sends as the platform's :class:`ChoiceSet` says:
media-type parameters, extra fields (stable or volatile), member order,
ASCII escaping, timestamp offset and precision, ``about:blank`` problems.
Values a standard defines never change meaning: a timestamp is rewritten to
the same instant, text is never touched.
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from http import HTTPStatus
from typing import Any, Final

from werkzeug.wrappers import Response

from .choices import ChoiceSet
from .choices.common import (
    ASCII_JSON,
    EXTRA_FIELDS,
    EXTRA_HEADERS,
    JSON_MEDIA_TYPE,
    KEY_ORDER,
    PROBLEM_MEDIA_TYPE,
    PROBLEM_TYPE,
    TIMESTAMPS,
)
from .clock import format_timestamp, utc_now

_JSON: Final = "application/json"
_PROBLEM: Final = "application/problem+json"
_OFFSET: Final = timezone(timedelta(hours=5, minutes=30))


def is_timestamp_key(key: str) -> bool:
    """Whether a member holds a timestamp in every standard here (``*_at``, ``effective_from``)."""
    return key.endswith("_at") or key == "effective_from"


def format_instant(moment: datetime, style: str) -> str:
    """Write an instant in one of the RFC 3339 styles of ``common.timestamps``."""
    if style == "offset-micros":
        return moment.astimezone(_OFFSET).isoformat(timespec="microseconds")
    utc = moment.astimezone(UTC)
    if style == "utc-seconds-when-whole" and utc.microsecond == 0:
        return utc.strftime("%Y-%m-%dT%H:%M:%SZ")
    return format_timestamp(utc)


def restyle_timestamp(value: str, style: str) -> str:
    """The same instant in ``style``; a value that is not a plain RFC 3339 time stays as is.

    Precision is never lost: a value with digits below the millisecond is
    rewritten only into a style that keeps them.
    """
    if style == "utc-millis" or len(value) < 20 or value[10:11] not in ("T", "t"):
        return value
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if moment.tzinfo is None:
        return value
    fraction = value[19:].split("+")[0].split("-")[0].rstrip("Zz")
    if len(fraction) > 7:  # "." and more than six digits: datetime would drop some
        return value
    if style != "offset-micros" and moment.microsecond % 1000:
        return value
    return format_instant(moment, style)


class Shaper:
    """Rewrites the JSON answers of one platform as its choices say."""

    def __init__(self, choices: ChoiceSet, clock: Callable[[], datetime] = utc_now) -> None:
        self._choices = choices
        self._clock = clock
        self._rng = choices.random("shaping")

    def shape_value(self, value: Any, *, top: bool = True) -> Any:
        """Apply extra fields, member order and timestamp style to a JSON value."""
        if isinstance(value, list):
            return [self.shape_value(item, top=False) for item in value]
        if not isinstance(value, dict):
            return value
        style = self._choices[TIMESTAMPS]
        shaped: dict[str, Any] = {}
        for key, item in value.items():
            if isinstance(item, str) and is_timestamp_key(key):
                shaped[key] = restyle_timestamp(item, style)
            else:
                shaped[key] = self.shape_value(item, top=False)
        if top or isinstance(shaped.get("id"), str):
            shaped.update(self._extra_fields())
        return self._ordered(shaped)

    def _extra_fields(self) -> dict[str, Any]:
        kind = self._choices[EXTRA_FIELDS]
        if kind == "stable":
            return {"x_served_by": "reference", "x_schema_note": "fields prefixed x_ are ours"}
        if kind == "volatile":
            return {
                "x_request_id": uuid.uuid4().hex,
                "x_generated_at": format_timestamp(self._clock()),
                "x_nonce": random.random(),
            }
        return {}

    def _ordered(self, value: dict[str, Any]) -> dict[str, Any]:
        order = self._choices[KEY_ORDER]
        keys = list(value)
        if order == "reversed":
            keys.reverse()
        elif order == "shuffled":
            self._rng.shuffle(keys)
        return {key: value[key] for key in keys}

    def dumps(self, value: Any) -> str:
        """Serialise JSON, escaping non-ASCII characters if the choices say so."""
        return json.dumps(value, ensure_ascii=self._choices[ASCII_JSON])

    def shape_response(self, response: Response, method: str) -> None:
        """Rewrite a JSON or problem answer in place; leave any other answer alone."""
        if self._choices[EXTRA_HEADERS] == "volatile":
            response.headers["X-Request-Id"] = uuid.uuid4().hex
            response.headers["Server-Timing"] = f"app;dur={random.uniform(0.1, 9.9):.1f}"
        mimetype = response.mimetype
        if mimetype not in (_JSON, _PROBLEM) or response.is_streamed or method == "HEAD":
            return
        try:
            body = json.loads(response.get_data())
        except ValueError:
            return
        if mimetype == _PROBLEM and isinstance(body, dict):
            self._restyle_problem(body, response.status_code)
        response.set_data(self.dumps(self.shape_value(body)))
        media_type = self._choices[PROBLEM_MEDIA_TYPE if mimetype == _PROBLEM else JSON_MEDIA_TYPE]
        response.headers["Content-Type"] = media_type

    def _restyle_problem(self, body: dict[str, Any], status: int) -> None:
        if self._choices[PROBLEM_TYPE] != "about:blank":
            return
        body["type"] = "about:blank"
        try:
            body["title"] = HTTPStatus(status).phrase
        except ValueError:
            body["title"] = "Error"
