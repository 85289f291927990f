"""The Bot API methods the sandbox implements, over a `SandboxWorld` and an `UpdateQueue`.

Each method takes the decoded parameters and returns the `result` Telegram would send, or raises
`ApiError` with Telegram's code and description. Everything is checked before anything changes,
so a refused call leaves no trace in a chat (not even a used message id).
"""

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from bot.sandbox.errors import ApiError, bad_request, not_found
from bot.sandbox.formatting import parse_formatted
from bot.sandbox.limits import (
    CALLBACK_ANSWER_WINDOW,
    CHAT_ACTIONS,
    DELETE_WINDOW,
    MAX_CALLBACK_ANSWER_LENGTH,
    MAX_DELETE_BATCH,
    NOT_MODIFIED,
    check_caption,
    check_download_size,
    check_reply_markup,
    check_text,
    check_upload_size,
)
from bot.sandbox.params import Params, UploadedFile
from bot.sandbox.state import ChatEvent, ChatEventKind, SandboxChat, SandboxMessage, StoredFile
from bot.sandbox.updates import UpdateQueue
from bot.sandbox.world import SandboxWorld, WebhookRecord

JSON = dict[str, Any]
Method = Callable[[Params], Any]


def _required(params: Params, name: str) -> Any:
    value = params.get(name)
    if value is None or value == "":
        raise bad_request(f"{name} is empty")
    return value


def _integer(params: Params, name: str) -> int:
    value = _required(params, name)
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise bad_request(f'field "{name}" must be of type Integer')
    try:
        return int(value)
    except ValueError:
        raise bad_request(f'field "{name}" must be of type Integer') from None


def _inline_only(markup: Any) -> JSON | None:
    """Messages carry only inline keyboards; reply keyboards live under the input field instead."""
    if isinstance(markup, dict) and "inline_keyboard" in markup:
        return markup
    return None


class BotApi:
    """Telegram's side of the Bot API for one sandbox: looks up a method by name and runs it."""

    def __init__(self, world: SandboxWorld, updates: UpdateQueue) -> None:
        self.world = world
        self.updates = updates
        self._methods: dict[str, Method] = {
            "getme": self.get_me,
            "getchat": self.get_chat,
            "setwebhook": self.set_webhook,
            "deletewebhook": self.delete_webhook,
            "getwebhookinfo": self.get_webhook_info,
            "sendmessage": self.send_message,
            "editmessagetext": self.edit_message_text,
            "editmessagecaption": self.edit_message_caption,
            "editmessagereplymarkup": self.edit_message_reply_markup,
            "deletemessage": self.delete_message,
            "deletemessages": self.delete_messages,
            "senddocument": self.send_document,
            "sendphoto": self.send_photo,
            "copymessage": self.copy_message,
            "answercallbackquery": self.answer_callback_query,
            "getfile": self.get_file,
            "setmycommands": self.set_my_commands,
            "getmycommands": self.get_my_commands,
            "deletemycommands": self.delete_my_commands,
            "setchatmenubutton": self.set_chat_menu_button,
            "getchatmenubutton": self.get_chat_menu_button,
            "sendchataction": self.send_chat_action,
            "setmydescription": self._set_profile("description"),
            "setmyshortdescription": self._set_profile("short_description"),
            "setmyname": self._set_profile("name"),
        }

    async def call(self, method: str, params: Params) -> Any:
        """Run Bot API method `method` (lower-cased name); unknown methods answer 404 like Telegram."""
        handler = self._methods.get(method)
        if handler is not None:
            return handler(params)
        if method == "getupdates":
            return await self.get_updates(params)
        raise not_found()

    def target_chat_id(self, method: str, params: Params) -> int | str | None:
        """The chat a call is about, for recording and per-chat faults."""
        chat_id = params.get("chat_id")
        if chat_id is None and method == "answercallbackquery":
            record = self.world.callbacks.get(str(params.get("callback_query_id")))
            return record.message.chat.id if record else None
        return chat_id if isinstance(chat_id, int | str) else None

    # --- the bot itself and its update stream ---

    def get_me(self, params: Params) -> JSON:
        return {
            **self.world.bot.to_api(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def get_chat(self, params: Params) -> JSON:
        chat = self.world.chat(params.get("chat_id"))
        return {**chat.to_api(), "accent_color_id": 0, "max_reaction_count": 11}

    async def get_updates(self, params: Params) -> list[JSON]:
        if self.world.webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = params.get("offset")
        allowed = params.get("allowed_updates")
        return await self.updates.poll(
            offset=int(offset) if offset is not None else None,
            limit=int(params.get("limit") or 100),
            wait_seconds=float(params.get("timeout") or 0),
            allowed_updates=list(allowed) if isinstance(allowed, list) else None,
        )

    def set_webhook(self, params: Params) -> bool:
        url = str(params.get("url") or "")
        if params.get("drop_pending_updates"):
            self.updates.drop_pending()
        if not url:
            self.world.webhook = None
            return True
        if not url.startswith("https://"):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        allowed = params.get("allowed_updates")
        self.world.webhook = WebhookRecord(
            url=url,
            secret_token=params.get("secret_token"),
            max_connections=params.get("max_connections"),
            allowed_updates=list(allowed) if isinstance(allowed, list) else None,
            params=dict(params),
        )
        return True

    def delete_webhook(self, params: Params) -> bool:
        if params.get("drop_pending_updates"):
            self.updates.drop_pending()
        self.world.webhook = None
        return True

    def get_webhook_info(self, params: Params) -> JSON:
        webhook = self.world.webhook
        info: JSON = {
            "url": webhook.url if webhook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self.updates),
        }
        if webhook is not None:
            info["max_connections"] = webhook.max_connections or 40
            if webhook.allowed_updates is not None:
                info["allowed_updates"] = webhook.allowed_updates
        return info

    # --- sending ---

    def send_message(self, params: Params) -> JSON:
        chat = self.world.reachable_chat(params.get("chat_id"))
        raw = params.get("text")
        text, entities = parse_formatted(
            "" if raw is None else str(raw), params.get("parse_mode"), params.get("entities")
        )
        check_text(text)
        message = self._new_bot_message(chat, "sendMessage", params, text=text, entities=entities)
        return message.to_api()

    def send_document(self, params: Params) -> JSON:
        return self._send_media(params, "document", "sendDocument")

    def send_photo(self, params: Params) -> JSON:
        return self._send_media(params, "photo", "sendPhoto")

    def _send_media(self, params: Params, kind: str, via: str) -> JSON:
        chat = self.world.reachable_chat(params.get("chat_id"))
        caption, caption_entities = self._caption(params)
        stored = self._input_file(params.get(kind), kind)
        content: dict[str, Any] = {kind: stored, "caption": caption, "caption_entities": caption_entities}
        return self._new_bot_message(chat, via, params, **content).to_api()

    def _caption(self, params: Params) -> tuple[str | None, list[JSON]]:
        raw = params.get("caption")
        if raw is None or raw == "":
            return None, []
        caption, entities = parse_formatted(
            str(raw), params.get("parse_mode"), params.get("caption_entities")
        )
        check_caption(caption)
        return caption, entities

    def _input_file(self, value: Any, kind: str) -> StoredFile:
        """A file the bot sends: a fresh upload, a file_id Telegram knows, or an HTTP URL."""
        if isinstance(value, UploadedFile):
            if not value.content:
                raise bad_request("file must be non-empty")
            check_upload_size(len(value.content))
            return self.world.store_file(
                value.content, kind=kind, filename=value.filename, mime_type=value.mime_type
            )
        if isinstance(value, str) and value.startswith(("http://", "https://")):
            # Telegram would fetch the URL; the sandbox never leaves loopback, so it keeps the URL only.
            name = value.rsplit("/", 1)[-1] or None
            return self.world.store_file(b"", kind=kind, filename=name, mime_type=None)
        if isinstance(value, str) and value in self.world.files:
            return self.world.files[value]
        if value is None or value == "":
            raise bad_request(f"there is no {kind} in the request")
        raise bad_request("wrong file identifier/HTTP URL specified")

    def copy_message(self, params: Params) -> JSON:
        source_chat = self.world.chat(params.get("from_chat_id"))
        source = source_chat.get(_integer(params, "message_id"))
        if source is None:
            raise bad_request("message to copy not found")
        if source.protect_content:
            raise bad_request("message has protected content and can't be forwarded")
        chat = self.world.reachable_chat(params.get("chat_id"))
        content: dict[str, Any] = {
            "text": source.text,
            "entities": list(source.entities),
            "document": source.document,
            "photo": source.photo,
            "sticker": source.sticker,
            "caption": source.caption,
            "caption_entities": list(source.caption_entities),
        }
        if "caption" in params and source.text is None:
            content["caption"], content["caption_entities"] = self._caption(params)
        message = self._new_bot_message(chat, "copyMessage", params, **content)
        return {"message_id": message.message_id}

    def _new_bot_message(self, chat: SandboxChat, via: str, params: Params, **content: Any) -> SandboxMessage:
        markup = params.get("reply_markup")
        check_reply_markup(markup)
        reply_to = self._reply_target(chat, params)
        message = SandboxMessage(
            chat=chat,
            message_id=chat.next_message_id(),
            sender=self.world.bot,
            date=self.world.clock(),
            via=via,
            reply_markup=_inline_only(markup),
            protect_content=bool(params.get("protect_content")),
            reply_to=reply_to,
            **content,
        )
        if isinstance(markup, dict):
            if "keyboard" in markup:
                chat.reply_keyboard = markup
            elif markup.get("remove_keyboard"):
                chat.reply_keyboard = None
        chat.add(message)
        return message

    def _reply_target(self, chat: SandboxChat, params: Params) -> SandboxMessage | None:
        reply = params.get("reply_parameters")
        if isinstance(reply, dict):
            message_id, lenient = reply.get("message_id"), bool(reply.get("allow_sending_without_reply"))
        else:
            message_id, lenient = (
                params.get("reply_to_message_id"),
                bool(params.get("allow_sending_without_reply")),
            )
        if message_id is None:
            return None
        target = chat.get(int(message_id))
        if target is None and not lenient:
            raise bad_request("message to be replied not found")
        return target

    # --- changing what was sent ---

    def _own_message(self, params: Params) -> tuple[SandboxChat, SandboxMessage]:
        if params.get("inline_message_id"):
            raise bad_request("MESSAGE_ID_INVALID")  # the sandbox has no inline mode
        chat = self.world.reachable_chat(params.get("chat_id"))
        message = chat.get(_integer(params, "message_id"))
        if message is None:
            raise bad_request("message to edit not found")
        if not message.from_bot:
            raise bad_request("message can't be edited")
        return chat, message

    def _apply_edit(self, chat: SandboxChat, message: SandboxMessage, **changes: Any) -> JSON:
        if all(getattr(message, name) == value for name, value in changes.items()):
            raise bad_request(NOT_MODIFIED)
        message.set_content(**changes, edit_date=self.world.clock(), edits=message.edits + 1)
        chat.record(ChatEvent(ChatEventKind.EDITED, message))
        return message.to_api()

    def _edit_markup(self, params: Params) -> JSON | None:
        markup = params.get("reply_markup")
        check_reply_markup(markup)
        if markup is not None and _inline_only(markup) is None:
            raise bad_request("inline keyboard expected")
        return _inline_only(markup)

    def edit_message_text(self, params: Params) -> JSON:
        chat, message = self._own_message(params)
        if message.text is None:
            raise bad_request("there is no text in the message to edit")
        text, entities = parse_formatted(
            str(params.get("text") or ""), params.get("parse_mode"), params.get("entities")
        )
        check_text(text)
        markup = self._edit_markup(params)
        return self._apply_edit(chat, message, text=text, entities=entities, reply_markup=markup)

    def edit_message_caption(self, params: Params) -> JSON:
        chat, message = self._own_message(params)
        if message.text is not None:
            raise bad_request("there is no caption in the message to edit")
        caption, entities = self._caption(params)
        markup = self._edit_markup(params)
        return self._apply_edit(
            chat, message, caption=caption, caption_entities=entities, reply_markup=markup
        )

    def edit_message_reply_markup(self, params: Params) -> JSON:
        chat, message = self._own_message(params)
        return self._apply_edit(chat, message, reply_markup=self._edit_markup(params))

    def delete_message(self, params: Params) -> bool:
        chat = self.world.chat(params.get("chat_id"))
        message = chat.get(_integer(params, "message_id"))
        if message is None:
            raise bad_request("message to delete not found")
        self._check_deletable(chat, message, self.world.clock())
        self._mark_deleted(chat, message)
        return True

    def delete_messages(self, params: Params) -> bool:
        chat = self.world.chat(params.get("chat_id"))
        ids = params.get("message_ids")
        if not isinstance(ids, list) or not 1 <= len(ids) <= MAX_DELETE_BATCH:
            raise bad_request("message_ids must be a list of 1-100 message identifiers")
        now = self.world.clock()
        deletable: list[SandboxMessage] = []
        for message_id in ids:
            message = chat.get(int(message_id))
            if message is None:
                continue  # Telegram skips messages it cannot find
            try:
                self._check_deletable(chat, message, now)
            except ApiError:
                continue
            deletable.append(message)
        if not deletable:
            raise bad_request("message to delete not found")
        for message in deletable:
            self._mark_deleted(chat, message)
        return True

    def _check_deletable(self, chat: SandboxChat, message: SandboxMessage, now: datetime) -> None:
        # Telegram: a message can only be deleted if it was sent less than 48 hours ago; in groups
        # a bot deletes others' messages only as an administrator.
        if now - message.date >= DELETE_WINDOW:
            raise bad_request("message can't be deleted for everyone")
        if chat.type != "private" and not message.from_bot and not chat.bot_is_admin:
            raise bad_request("message can't be deleted")

    def _mark_deleted(self, chat: SandboxChat, message: SandboxMessage) -> None:
        message.set_content(deleted=True)
        chat.record(ChatEvent(ChatEventKind.DELETED, message))

    # --- buttons, files, commands, menus ---

    def answer_callback_query(self, params: Params) -> bool:
        record = self.world.callbacks.get(str(params.get("callback_query_id")))
        if (
            record is None
            or record.answered
            or self.world.clock() - record.pushed_at > CALLBACK_ANSWER_WINDOW
        ):
            raise bad_request("query is too old and response timeout expired or query ID is invalid")
        text = params.get("text")
        if text is not None and len(str(text)) > MAX_CALLBACK_ANSWER_LENGTH:
            raise bad_request("MESSAGE_TOO_LONG")
        record.answered = True
        record.answer_text = str(text) if text else None
        record.show_alert = bool(params.get("show_alert"))
        record.url = params.get("url")
        record.message.chat.record(ChatEvent(ChatEventKind.ANSWERED, record.message, record))
        return True

    def get_file(self, params: Params) -> JSON:
        stored = self.world.stored_file(str(_required(params, "file_id")))
        check_download_size(stored.size)
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.size,
            "file_path": stored.file_path,
        }

    @staticmethod
    def _commands_key(params: Params) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), str(params.get("language_code") or "")

    def set_my_commands(self, params: Params) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise bad_request("commands must be a list of at most 100 bot commands")
        for command in commands:
            name = str(command.get("command", "")) if isinstance(command, dict) else ""
            if not 1 <= len(name) <= 32 or not all(
                char.islower() or char.isdigit() or char == "_" for char in name
            ):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise bad_request("command description must be 1-256 characters")
        self.world.commands[self._commands_key(params)] = commands
        return True

    def get_my_commands(self, params: Params) -> list[JSON]:
        return self.world.commands.get(self._commands_key(params), [])

    def delete_my_commands(self, params: Params) -> bool:
        self.world.commands.pop(self._commands_key(params), None)
        return True

    def set_chat_menu_button(self, params: Params) -> bool:
        button = params.get("menu_button") or {"type": "default"}
        if params.get("chat_id") is None:
            self.world.default_menu_button = button
        else:
            self.world.chat(params["chat_id"]).menu_button = button
        return True

    def get_chat_menu_button(self, params: Params) -> JSON:
        if params.get("chat_id") is not None:
            chat_button = self.world.chat(params["chat_id"]).menu_button
            if chat_button is not None:
                return chat_button
        return self.world.default_menu_button or {"type": "commands"}

    def send_chat_action(self, params: Params) -> bool:
        self.world.reachable_chat(params.get("chat_id"))
        if params.get("action") not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        return True

    def _set_profile(self, field: str) -> Method:
        def set_profile(params: Params) -> bool:
            self.world.profile[(field, str(params.get("language_code") or ""))] = params.get(field)
            return True

        return set_profile
