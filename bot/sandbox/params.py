"""Decoding Bot API request parameters the way Telegram does.

python-telegram-bot sends parameters form-encoded (multipart when a file is attached); strings go
as they are and every other value (numbers, booleans, reply_markup, entity lists) as JSON text.
Other clients may send a JSON body or a query string; all three end up as one dict of decoded
values, with uploaded files as `UploadedFile`.
"""

import json
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import parse_qsl

from aiohttp import web
from multidict import MultiDictProxy

Params = dict[str, Any]

# Parameters whose value is a string even when it looks like JSON ("123", "true", "null").
_STRING_PARAMS: Final = frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "callback_query_id",
        "inline_message_id",
        "url",
        "file_id",
        "action",
        "secret_token",
        "language_code",
        "description",
        "short_description",
        "name",
        "title",
        "emoji",
        "business_connection_id",
        "message_effect_id",
        "ip_address",
        "document",
        "photo",
        "sticker",
        "video",
        "audio",
        "voice",
        "animation",
        "thumbnail",
    }
)


@dataclass(frozen=True, slots=True)
class UploadedFile:
    """A file the bot uploaded in a multipart request."""

    filename: str | None
    content: bytes = field(repr=False)
    mime_type: str | None


def decode_value(name: str, raw: str) -> Any:
    """One form field's value: JSON-decoded unless the parameter is a string parameter."""
    if name in _STRING_PARAMS:
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw


async def read_params(request: web.BaseRequest) -> Params:
    """All parameters of a Bot API request, decoded, whatever encoding the client chose."""
    params: Params = {key: decode_value(key, value) for key, value in request.query.items()}
    if not request.body_exists:
        return params
    content_type = request.content_type
    if content_type == "application/x-www-form-urlencoded":
        body = await request.read()
        params.update((key, decode_value(key, value)) for key, value in parse_qsl(body.decode("utf-8"), True))
    elif content_type == "application/json":
        decoded = json.loads(await request.read() or b"{}")
        if isinstance(decoded, dict):
            params.update(decoded)
    elif content_type.startswith("multipart/"):
        _merge_multipart(params, await request.post())
    return params


def _merge_multipart(params: Params, form: MultiDictProxy[Any]) -> None:
    files: dict[str, UploadedFile] = {}
    for key, value in form.items():
        if isinstance(value, web.FileField):
            files[key] = UploadedFile(value.filename, value.file.read(), value.content_type)
        else:
            params[key] = decode_value(key, str(value))
    params.update(files)
    # A parameter may point at a part by name ("attach://name"), as PTB does for thumbnails.
    for key, value in list(params.items()):
        if isinstance(value, str) and value.startswith("attach://") and value[9:] in files:
            params[key] = files[value[9:]]
