"""Telegram's limits on what a bot sends, checked with Telegram's own error texts.

Numbers come from the Bot API documentation (https://core.telegram.org/bots/api); the texts are
the descriptions Telegram answers with, so code matching on them behaves as it would in production.
"""

from datetime import timedelta
from typing import Any, Final

from bot.sandbox.errors import ApiError, bad_request

MAX_TEXT_LENGTH: Final = 4096
MAX_CAPTION_LENGTH: Final = 1024
MAX_CALLBACK_DATA_BYTES: Final = 64
MAX_CALLBACK_ANSWER_LENGTH: Final = 200
MAX_INLINE_BUTTONS: Final = 100
UPLOAD_LIMIT_BYTES: Final = 50 * 1024 * 1024
DOWNLOAD_LIMIT_BYTES: Final = 20 * 1024 * 1024
DELETE_WINDOW: Final = timedelta(hours=48)
CALLBACK_ANSWER_WINDOW: Final = timedelta(minutes=15)
MAX_DELETE_BATCH: Final = 100

NOT_MODIFIED: Final = (
    "message is not modified: specified new message content and reply markup are exactly the same "
    "as a current content and reply markup of the message"
)
CHAT_ACTIONS: Final = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_BUTTON_ACTIONS: Final = frozenset(
    {
        "callback_data",
        "url",
        "web_app",
        "login_url",
        "switch_inline_query",
        "switch_inline_query_current_chat",
        "switch_inline_query_chosen_chat",
        "copy_text",
        "callback_game",
        "pay",
    }
)


def check_text(text: str) -> None:
    """A message text: 1–4096 characters after entity parsing, not only whitespace."""
    if not text.strip():
        raise bad_request("message text is empty")
    if len(text) > MAX_TEXT_LENGTH:
        raise bad_request("message is too long")


def check_caption(caption: str | None) -> None:
    """A media caption: at most 1024 characters after entity parsing."""
    if caption is not None and len(caption) > MAX_CAPTION_LENGTH:
        raise bad_request("message caption is too long")


def check_reply_markup(markup: Any) -> None:
    """An inline keyboard, reply keyboard, keyboard removal or force-reply, shaped as Telegram accepts."""
    if markup is None:
        return
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        _check_inline_keyboard(markup["inline_keyboard"])
    elif "keyboard" in markup:
        _check_rows(markup["keyboard"], "reply keyboard")
    elif not ({"remove_keyboard", "force_reply"} & markup.keys()):
        raise bad_request("can't parse reply keyboard markup JSON object")


def _check_rows(rows: Any, what: str) -> list[list[Any]]:
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request(f"can't parse {what}: field must be an array of arrays")
    return rows


def _check_inline_keyboard(rows: Any) -> None:
    buttons = [button for row in _check_rows(rows, "inline keyboard") for button in row]
    if len(buttons) > MAX_INLINE_BUTTONS:
        raise bad_request("reply markup is too long")
    for button in buttons:
        if not isinstance(button, dict) or not button.get("text"):
            raise bad_request("can't parse inline keyboard button: Text must be non-empty")
        actions = _BUTTON_ACTIONS & button.keys()
        if not actions:
            raise bad_request(
                "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
            )
        if "callback_data" in button:
            check_callback_data(button["callback_data"])
        if "url" in button and not str(button["url"]).startswith(("http://", "https://", "tg://")):
            raise bad_request(f"inline keyboard button URL '{button['url']}' is invalid: Wrong HTTP URL")


def check_callback_data(data: Any) -> None:
    """callback_data: 1–64 bytes of UTF-8."""
    if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES:
        raise bad_request("BUTTON_DATA_INVALID")


def check_upload_size(size: int) -> None:
    """Uploads through the Bot API stop at 50 MB; Telegram refuses bigger requests with HTTP 413."""
    if size > UPLOAD_LIMIT_BYTES:
        raise ApiError(413, "Request Entity Too Large")


def check_download_size(size: int) -> None:
    """getFile serves files up to 20 MB."""
    if size > DOWNLOAD_LIMIT_BYTES:
        raise bad_request("file is too big")
