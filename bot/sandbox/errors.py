"""The errors the sandbox answers with, shaped like Telegram's so python-telegram-bot raises its own."""

from typing import Any


class ApiError(Exception):
    """A Bot API error answer: HTTP status `code`, Telegram's `description`, and optional `retry_after`."""

    def __init__(self, code: int, description: str, *, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after

    def to_api(self) -> dict[str, Any]:
        """The JSON body Telegram sends for this error."""
        body: dict[str, Any] = {"ok": False, "error_code": self.code, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(reason: str) -> ApiError:
    """A 400 answer; PTB raises `BadRequest`."""
    return ApiError(400, f"Bad Request: {reason}")


def forbidden(reason: str) -> ApiError:
    """A 403 answer; PTB raises `Forbidden`."""
    return ApiError(403, f"Forbidden: {reason}")


def too_many_requests(retry_after: int) -> ApiError:
    """A 429 answer with `retry_after`; PTB raises `RetryAfter`."""
    return ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after)


def chat_not_found() -> ApiError:
    """What Telegram answers for a chat id it does not know."""
    return bad_request("chat not found")


def bot_blocked() -> ApiError:
    """What Telegram answers when the person blocked the bot."""
    return forbidden("bot was blocked by the user")


def not_found() -> ApiError:
    """What Telegram answers for an unknown method (PTB raises `InvalidToken` for it, as for Telegram)."""
    return ApiError(404, "Not Found")


def bad_gateway() -> ApiError:
    """What Telegram answers when its back end is unavailable; PTB raises `NetworkError`."""
    return ApiError(502, "Bad Gateway")
