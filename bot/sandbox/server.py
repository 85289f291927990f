"""A fake Telegram Bot API server on loopback, for tests, the local demo and benchmarks.

python-telegram-bot talks to it over real HTTP (`ApplicationBuilder().base_url(server.base_url)
.base_file_url(server.base_file_url)`), so the whole PTB stack runs. Tests play people through
`push_*` (or `bot.sandbox.driver.SandboxPerson`), inject faults through `server.faults`, and read
what the bot did in `server.calls` and what each person sees in `server.chat(chat_id).messages`.
"""

import asyncio
import contextlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from types import TracebackType
from typing import Any, Final, Self

from aiohttp import web
from aiohttp.abc import AbstractStreamWriter
from aiohttp.http_parser import RawRequestMessage
from aiohttp.streams import StreamReader
from aiohttp.web_protocol import RequestHandler

from bot.sandbox.clock import Clock, system_clock
from bot.sandbox.driver import SandboxPerson
from bot.sandbox.errors import (
    ApiError,
    bad_gateway,
    bad_request,
    bot_blocked,
    chat_not_found,
    too_many_requests,
)
from bot.sandbox.faults import Fault, FaultKind, FaultPlan
from bot.sandbox.inbound import ChatRef, Inbound
from bot.sandbox.limits import UPLOAD_LIMIT_BYTES
from bot.sandbox.methods import BotApi
from bot.sandbox.params import Params, read_params
from bot.sandbox.state import CallbackQueryRecord, SandboxChat, SandboxMessage, SandboxUser
from bot.sandbox.updates import FIRST_UPDATE_ID, UpdateQueue
from bot.sandbox.world import SandboxWorld, WebhookRecord

JSON = dict[str, Any]

# Room above the 50 MB upload limit for multipart framing.
_CLIENT_MAX_SIZE: Final = UPLOAD_LIMIT_BYTES + 4 * 1024 * 1024


@dataclass(slots=True)
class RecordedCall:
    """One Bot API call the bot made: decoded parameters, outcome, and the fault injected, if any."""

    method: str
    params: Params = field(repr=False)
    chat_id: int | str | None
    at: datetime = field(repr=False)
    ok: bool
    result: Any = field(default=None, repr=False)
    error: str | None = None
    error_code: int | None = None
    fault: FaultKind | None = None


class SandboxServer:
    """The fake Bot API server: Telegram's state for one bot, its HTTP face, faults and a call record."""

    def __init__(
        self,
        *,
        clock: Clock | None = None,
        bot_username: str = "liaison_sandbox_bot",
        first_update_id: int = FIRST_UPDATE_ID,
    ) -> None:
        self.clock: Clock = clock or system_clock
        self.world = SandboxWorld(self.clock, bot_username)
        # A bot's update ids never repeat; a fresh sandbox for the same database starts past the last.
        self.updates = UpdateQueue(first_update_id)
        self.api = BotApi(self.world, self.updates)
        self.inbound = Inbound(self.world, self.updates)
        self.faults = FaultPlan()
        self.calls: list[RecordedCall] = []
        self._runner: web.ServerRunner | None = None
        self._address: str | None = None
        self._stopping = asyncio.Event()

    # --- lifecycle ---

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Listen on `host`:`port` (0 picks a free port); `base_url` is ready afterwards."""
        if self._runner is not None:
            raise RuntimeError("this sandbox server is already running")
        loop = asyncio.get_running_loop()

        def make_request(
            message: RawRequestMessage,
            payload: StreamReader,
            protocol: RequestHandler,
            writer: AbstractStreamWriter,
            task: "asyncio.Task[None]",
        ) -> web.BaseRequest:
            # Room for a 50 MB upload, so an oversized one gets Telegram's 413, not aiohttp's.
            return web.BaseRequest(
                message, payload, protocol, writer, task, loop, client_max_size=_CLIENT_MAX_SIZE
            )

        # A bare aiohttp server with its own two-route dispatch: no router, middlewares or access
        # log on the hot path. Cancelling handlers whose client went away ends abandoned long polls
        # and held "timeout" answers at once.
        server = web.Server(
            self._dispatch, request_factory=make_request, access_log=None, handler_cancellation=True
        )
        runner = web.ServerRunner(server, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        await site.start()
        bound_host, bound_port = runner.addresses[0][:2]
        self._runner = runner
        self._address = f"http://{bound_host}:{bound_port}"
        self._stopping.clear()
        self.updates.reopen()

    async def stop(self) -> None:
        """End long polls and held answers, then close the listening socket."""
        if self._runner is None:
            return
        self._stopping.set()
        self.updates.close()
        runner, self._runner = self._runner, None
        await runner.cleanup()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    @property
    def address(self) -> str:
        """Where the server listens, e.g. "http://127.0.0.1:54321"."""
        if self._address is None:
            raise RuntimeError("the sandbox server is not started; await server.start() first")
        return self._address

    @property
    def base_url(self) -> str:
        """The value for PTB's `base_url` (the token is appended by PTB)."""
        return f"{self.address}/bot"

    @property
    def base_file_url(self) -> str:
        """The value for PTB's `base_file_url`."""
        return f"{self.address}/file/bot"

    # --- people, chats and what they see ---

    @property
    def bot_user(self) -> SandboxUser:
        """The bot's own account, as getMe describes it."""
        return self.world.bot

    def add_user(
        self,
        first_name: str = "Amina",
        language_code: str | None = "en",
        user_id: int | None = None,
        username: str | None = None,
        *,
        last_name: str | None = None,
    ) -> SandboxUser:
        """A new person with a private chat with the bot (chat id == user id)."""
        return self.world.add_user(
            first_name, language_code=language_code, user_id=user_id, username=username, last_name=last_name
        )

    def add_group(self, title: str, *, supergroup: bool = False, username: str | None = None) -> SandboxChat:
        """A new group the bot is in, as an administrator."""
        return self.world.add_group(title, supergroup=supergroup, username=username)

    def person(
        self, first_name: str = "Amina", *, language_code: str | None = "en", username: str | None = None
    ) -> SandboxPerson:
        """A new person, wrapped in a driver that plays them."""
        return SandboxPerson(self, self.add_user(first_name, language_code=language_code, username=username))

    def chat(self, chat_id: int) -> SandboxChat:
        """A chat's state: `.messages` by id (edits applied, deletions marked), `.bot_messages`, `.log`."""
        chat = self.world.chats.get(chat_id)
        if chat is None:
            raise KeyError(f"no chat {chat_id} in this sandbox; create it with add_user() or add_group()")
        return chat

    def block(self, chat_id: int) -> None:
        """The person blocks the bot: every call to their chat answers 403 until they write again."""
        self.world.blocked.add(chat_id)

    def unblock(self, chat_id: int) -> None:
        """The person unblocks the bot."""
        self.world.blocked.discard(chat_id)

    @property
    def webhook(self) -> WebhookRecord | None:
        """What the bot last set with setWebhook, or None."""
        return self.world.webhook

    def callback(self, callback_query_id: str) -> CallbackQueryRecord:
        """A pushed button press, with the bot's answer once it came."""
        return self.world.callbacks[callback_query_id]

    def calls_to(self, method: str) -> list[RecordedCall]:
        """The recorded calls of one method (case-insensitive), oldest first."""
        wanted = method.lower()
        return [call for call in self.calls if call.method.lower() == wanted]

    # --- what people do ---

    def push_text(self, user: SandboxUser, text: str, *, chat: ChatRef = None) -> SandboxMessage:
        """`user` sends `text` (in their private chat unless `chat` is given); "/cmd args" is a command."""
        return self.inbound.text(user, text, chat=chat)

    def push_callback(
        self, user: SandboxUser, message_id: int, data: str, *, chat: ChatRef = None
    ) -> CallbackQueryRecord:
        """`user` presses an inline button carrying `data` under message `message_id`."""
        return self.inbound.callback(user, message_id, data, chat=chat)

    def push_document(
        self,
        user: SandboxUser,
        filename: str,
        content: bytes,
        mime_type: str = "application/octet-stream",
        *,
        caption: str | None = None,
        chat: ChatRef = None,
    ) -> SandboxMessage:
        """`user` sends a file; the bot can fetch its bytes with getFile and download."""
        return self.inbound.document(user, filename, content, mime_type, caption=caption, chat=chat)

    def push_photo(
        self, user: SandboxUser, content: bytes, *, caption: str | None = None, chat: ChatRef = None
    ) -> SandboxMessage:
        """`user` sends a photo."""
        return self.inbound.photo(user, content, caption=caption, chat=chat)

    def push_sticker(self, user: SandboxUser, *, emoji: str = "👍", chat: ChatRef = None) -> SandboxMessage:
        """`user` sends a sticker."""
        return self.inbound.sticker(user, emoji=emoji, chat=chat)

    def push_update(self, update: JSON) -> JSON:
        """Queue a raw update dict (update_id is added when missing); returns it as queued."""
        return self.updates.push(update)

    # --- HTTP ---

    async def _dispatch(self, request: web.BaseRequest) -> web.StreamResponse:
        # Bot API calls are /bot<token>/<method>; file downloads are /file/bot<token>/<file_path>.
        path = request.path
        if path.startswith("/bot"):
            token, _, method = path[4:].partition("/")
            if token and method and "/" not in method:
                return await self._handle_api(request, method)
        elif path.startswith("/file/bot"):
            token, _, file_path = path[9:].partition("/")
            if token and file_path and request.method in ("GET", "HEAD"):
                return self._handle_file(file_path)
        return _error_response(ApiError(404, "Not Found"))

    async def _handle_api(self, request: web.BaseRequest, method_name: str) -> web.StreamResponse:
        method = method_name.lower()
        try:
            params = await read_params(request)
        except web.HTTPRequestEntityTooLarge:
            return _error_response(ApiError(413, "Request Entity Too Large"))
        except (ValueError, UnicodeDecodeError):
            return _error_response(bad_request("can't parse request parameters"))
        chat_id = self.api.target_chat_id(method, params)
        fault = self.faults.take(method, chat_id) if self.faults else None
        if fault is not None:
            refusal = self._fault_refusal(fault)
            if refusal is not None:
                self._record(method_name, params, chat_id, error=refusal, fault=fault)
                return _error_response(refusal)
            if fault.kind is FaultKind.DROP:
                self._record(method_name, params, chat_id, dropped=True, fault=fault)
                if request.transport is not None:
                    request.transport.abort()
                return web.Response()
            if fault.kind is FaultKind.SLOW:
                await self._pause(fault.delay)
        try:
            result = await self.api.call(method, params)
        except ApiError as error:
            self._record(method_name, params, chat_id, error=error, fault=fault)
            return _error_response(error)
        except (ValueError, TypeError) as exc:
            refused = bad_request(f"wrong parameter value: {exc}")
            self._record(method_name, params, chat_id, error=refused, fault=fault)
            return _error_response(refused)
        self.calls.append(
            RecordedCall(method_name, params, chat_id, self.clock(), True, result, fault=_kind(fault))
        )
        response = web.Response(
            body=b'{"ok":true,"result":' + json.dumps(result).encode() + b"}", content_type="application/json"
        )
        if fault is not None and fault.kind is FaultKind.TIMEOUT:
            # The call took effect but its answer is held past the client's timeout: the bot sees
            # TimedOut for something that happened, the case idempotent sending must survive.
            await self._pause(fault.delay)
        return response

    def _handle_file(self, file_path: str) -> web.StreamResponse:
        stored = self.world.files_by_path.get(file_path)
        if stored is None:
            return _error_response(ApiError(404, "Not Found"))
        return web.Response(body=stored.content, content_type=stored.mime_type or "application/octet-stream")

    def _fault_refusal(self, fault: Fault) -> ApiError | None:
        match fault.kind:
            case FaultKind.RETRY_AFTER:
                return too_many_requests(fault.retry_after)
            case FaultKind.BLOCKED:
                return bot_blocked()
            case FaultKind.CHAT_NOT_FOUND:
                return chat_not_found()
            case FaultKind.SERVER_ERROR:
                return bad_gateway()
            case _:
                return None

    async def _pause(self, seconds: float) -> None:
        """Sleep, but wake when the server stops so shutdown never waits on an injected delay."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)

    def _record(
        self,
        method: str,
        params: Params,
        chat_id: int | str | None,
        *,
        error: ApiError | None = None,
        dropped: bool = False,
        fault: Fault | None = None,
    ) -> None:
        description = error.description if error is not None else ("connection dropped" if dropped else None)
        self.calls.append(
            RecordedCall(
                method,
                params,
                chat_id,
                self.clock(),
                False,
                error=description,
                error_code=error.code if error is not None else None,
                fault=_kind(fault),
            )
        )


def _kind(fault: Fault | None) -> FaultKind | None:
    return fault.kind if fault is not None else None


def _error_response(error: ApiError) -> web.Response:
    return web.Response(
        status=error.code, body=json.dumps(error.to_api()).encode(), content_type="application/json"
    )
