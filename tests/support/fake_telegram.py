"""A fake Telegram Bot API on 127.0.0.1: answers what python-telegram-bot calls and records every call.

    with FakeTelegram() as api:
        settings = Settings(telegram_token=api.token, telegram_api_url=api.api_url)
        ...
        api.calls("sendMessage")  # [Call(method="sendMessage", params={"chat_id": "42", "text": ...}), ...]

Updates for long polling are queued with `api.push_update({...})`; failures are scripted with
`api.fail("sendMessage", times=1, status=500)`.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

BOT_ID = 123
TOKEN = f"{BOT_ID}:ABC"
BOT_USERNAME = "sitebot_test_bot"
_SENDS = {"sendMessage", "sendPhoto", "sendDocument"}


@dataclass
class Call:
    method: str
    params: dict[str, str]
    files: dict[str, tuple[str | None, bytes]] = field(default_factory=dict)  # part name → (filename, content)
    status: int = 200  # what the fake answered: a scripted failure is recorded too
    at: float = field(default_factory=time.time)  # when it arrived (wall clock, comparable with the database's)
    message_id: int | None = None  # the message it created or edited

    def __getitem__(self, key: str) -> str:
        return self.params[key]

    @property
    def chat_id(self) -> int:
        return int(self.params["chat_id"])

    @property
    def text(self) -> str:
        return self.params.get("text", "")

    @property
    def buttons(self) -> list[tuple[str, str]]:
        """The inline keyboard sent with it: (label, callback data) per button."""
        markup = json.loads(self.params.get("reply_markup") or "{}")
        return [(b["text"], b["callback_data"]) for row in markup.get("inline_keyboard", []) for b in row]

    def action(self, prefix: str) -> str:
        """The callback data of the button whose data starts with prefix ("undo:", "yes:")."""
        return next(data for _label, data in self.buttons if data.startswith(prefix))


@dataclass
class _Failure:
    times: int
    status: int
    description: str
    retry_after: int | None = None


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up mid long-poll (the bot stopping) is normal, not an error to print."""
        error = sys.exc_info()[1]
        if not isinstance(error, ConnectionError):
            super().handle_error(request, client_address)


class FakeTelegram:
    """The Bot API double: start it, point the bot's base URL at it, read what was sent."""

    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self._calls: list[Call] = []
        self._updates: list[dict[str, Any]] = []
        self._failures: dict[str, _Failure] = {}
        self._blocked: set[int] = set()  # chats whose every message is refused with 403 (they blocked the bot)
        self._lock = threading.Lock()
        self._message_id = 1000
        self.webhook_info: dict[str, Any] = {"url": "", "has_custom_certificate": False, "pending_update_count": 0}
        self._offset = 0  # getUpdates' highest offset so far
        self._files: dict[str, bytes] = {}  # file_id → content, for getFile and the file URL
        self.webhook: dict[str, str] = {}  # what setWebhook set (url, secret_token, …); deleteWebhook empties it
        self._server = _Server(("127.0.0.1", 0), self._handler_class())
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-telegram", daemon=True)

    # -- lifetime ----------------------------------------------------------------------------------

    def __enter__(self) -> FakeTelegram:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def api_url(self) -> str:
        """What SITEBOT_TELEGRAM_API_URL is set to: the token is appended by the bot."""
        return f"http://127.0.0.1:{self.port}/bot"

    # -- scripting and reading ------------------------------------------------------------------------

    def push_update(self, update: dict[str, Any]) -> None:
        with self._lock:
            self._updates.append(update)

    def add_file(self, file_id: str, content: bytes) -> None:
        """A file users sent (a document): getFile finds it and its file URL serves it."""
        with self._lock:
            self._files[file_id] = content

    def fail(
        self,
        method: str,
        *,
        times: int = 1,
        status: int = 500,
        description: str = "Internal Server Error",
        retry_after: int | None = None,
    ) -> None:
        """The next `times` calls of a method fail with this HTTP status."""
        with self._lock:
            self._failures[method] = _Failure(times, status, description, retry_after)

    def block(self, chat_id: int) -> None:
        """From now on every message to this chat is refused with 403, as Telegram does once it blocked the bot."""
        with self._lock:
            self._blocked.add(chat_id)

    def calls(self, method: str | None = None) -> list[Call]:
        with self._lock:
            return [call for call in self._calls if method is None or call.method == method]

    def sent_texts(self, chat_id: int | None = None) -> list[str]:
        """Texts of the messages delivered (answered 200), to one chat or all."""
        return [
            call.text
            for call in self.calls("sendMessage")
            if call.status == 200 and (chat_id is None or call.chat_id == chat_id)
        ]

    def clear(self) -> None:
        with self._lock:
            self._calls.clear()

    def wait_for(self, method: str, count: int = 1, timeout: float = 10.0) -> list[Call]:
        """Block until at least `count` calls of a method arrived (for polling tests)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.calls(method)
            if len(found) >= count:
                return found
            time.sleep(0.02)
        raise AssertionError(f"expected {count} {method} call(s), got {len(self.calls(method))}")

    # -- the API ----------------------------------------------------------------------------------

    def _answer(self, call: Call) -> tuple[int, dict[str, Any]]:
        with self._lock:
            failure = self._failures.get(call.method)
            if failure and failure.times > 0:
                failure.times -= 1
                call.status = failure.status
                body: dict[str, Any] = {"ok": False, "error_code": failure.status, "description": failure.description}
                if failure.retry_after is not None:
                    body["parameters"] = {"retry_after": failure.retry_after}
                return failure.status, body
            if call.method in _SENDS and int(call.params.get("chat_id") or 0) in self._blocked:
                call.status = 403
                return 403, {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"}
        if call.method == "getMe":
            return 200, {
                "ok": True,
                "result": {
                    "id": BOT_ID,
                    "is_bot": True,
                    "first_name": "SiteBot",
                    "username": BOT_USERNAME,
                    "can_join_groups": True,
                    "can_read_all_group_messages": False,
                    "supports_inline_queries": False,
                },
            }
        if call.method == "getWebhookInfo":
            return 200, {"ok": True, "result": dict(self.webhook_info)}
        if call.method == "getFile":
            file_id = call.params.get("file_id", "")
            with self._lock:
                content = self._files.get(file_id)
            if content is None:
                return 400, {"ok": False, "error_code": 400, "description": "Bad Request: invalid file_id"}
            result = {"file_id": file_id, "file_unique_id": f"u{file_id}", "file_size": len(content)}
            return 200, {"ok": True, "result": {**result, "file_path": f"documents/{file_id}"}}
        if call.method == "getUpdates":
            if self.webhook:  # as Telegram: no polling while a webhook is set
                return 409, {"ok": False, "error_code": 409, "description": "Conflict: webhook is active"}
            return 200, {"ok": True, "result": self._take_updates(call)}
        if call.method == "setWebhook":
            with self._lock:
                self.webhook = dict(call.params)
            return 200, {"ok": True, "result": True}
        if call.method == "deleteWebhook":
            with self._lock:
                self.webhook = {}
            return 200, {"ok": True, "result": True}
        if call.method in _SENDS:
            return 200, {"ok": True, "result": self._message(call)}
        if call.method == "editMessageText":
            return 200, {"ok": True, "result": self._message(call, message_id=int(call.params.get("message_id", 0)))}
        return 200, {"ok": True, "result": True}  # setMyCommands, deleteWebhook, sendChatAction, ...

    @property
    def confirmed(self) -> int:
        """The highest update id the bot confirmed (asked for updates after it): Telegram will not send it again."""
        with self._lock:
            return self._offset - 1

    def _take_updates(self, call: Call) -> list[dict[str, Any]]:
        """As Telegram: updates from the offset on (the ones before it are confirmed and forgotten), at most limit."""
        offset = int(call.params.get("offset", "0") or 0)
        limit = int(call.params.get("limit", "100") or 100)
        deadline = time.monotonic() + min(float(call.params.get("timeout", "0") or 0), 0.5)
        while True:
            with self._lock:
                self._offset = max(self._offset, offset)
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
                if self._updates or time.monotonic() >= deadline:
                    return list(self._updates[:limit])
            time.sleep(0.02)

    def _message(self, call: Call, message_id: int | None = None) -> dict[str, Any]:
        if message_id is None:
            with self._lock:
                self._message_id += 1
                message_id = self._message_id
        call.message_id = message_id
        chat_id = int(call.params["chat_id"])
        message: dict[str, Any] = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group", "title": None},
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "SiteBot", "username": BOT_USERNAME},
        }
        if call.method in ("sendMessage", "editMessageText"):
            message["text"] = call.params.get("text", "")
        elif call.method == "sendPhoto":
            message["photo"] = [
                {"file_id": f"p{message_id}", "file_unique_id": f"pu{message_id}", "width": 1, "height": 1}
            ]
        else:
            name = next(iter(call.files.values()), (None, b""))[0]
            message["document"] = {"file_id": f"doc{message_id}", "file_unique_id": f"u{message_id}", "file_name": name}
        return message

    def _record(self, method: str, content_type: str, body: bytes, query: str) -> Call:
        params = dict(parse_qsl(query))
        files: dict[str, tuple[str | None, bytes]] = {}
        if content_type.startswith("multipart/form-data"):
            message = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + body)
            for part in message.iter_parts():
                name = part.get_param("name", header="content-disposition")
                payload = part.get_payload(decode=True) or b""
                if part.get_filename() is not None:
                    files[str(name)] = (part.get_filename(), payload)
                else:
                    params[str(name)] = payload.decode()
        elif content_type.startswith("application/json") and body:
            params.update(
                {key: value if isinstance(value, str) else json.dumps(value) for key, value in json.loads(body).items()}
            )
        elif body:
            params.update(parse_qsl(body.decode(), keep_blank_values=True))
        call = Call(method=method, params=params, files=files)
        with self._lock:
            self._calls.append(call)
        return call

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in two writes: with Nagle on, each answer waits for a delayed ACK (~40 ms).
            disable_nagle_algorithm = True

            def _serve(self) -> None:
                url = urlsplit(self.path)
                if unquote(url.path).startswith(f"/file/bot{fake.token}/documents/"):
                    self._send_file(unquote(url.path).rpartition("/")[2])
                    return
                prefix, _, method = url.path.rpartition("/")
                if prefix != f"/bot{fake.token}":
                    self._send(404, {"ok": False, "error_code": 404, "description": "Not Found"})
                    return
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                if len(body) < length:
                    # The client died mid-request (a SIGKILL test): Telegram would not act on half a request.
                    raise ConnectionResetError("request body cut short")
                call = fake._record(method, self.headers.get("Content-Type", ""), body, url.query)
                self._send(*fake._answer(call))

            do_GET = do_POST = _serve

            def _send(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _send_file(self, file_id: str) -> None:
                with fake._lock:
                    content = fake._files.get(file_id)
                    fake._calls.append(Call(method="downloadFile", params={"file_id": file_id}))
                if content is None:
                    self._send(404, {"ok": False, "error_code": 404, "description": "Not Found"})
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
                pass

        return Handler


# -- updates as Telegram sends them ---------------------------------------------------------------------


def message_update(
    update_id: int,
    text: str,
    *,
    user_id: int = 1001,
    chat_id: int | None = None,
    first_name: str = "Li",
    last_name: str | None = None,
    language_code: str | None = "zh-hans",
    chat_title: str | None = None,
    message_id: int | None = None,
) -> dict[str, Any]:
    """A text message update; a negative chat_id is a group chat. Commands get their bot_command entity."""
    chat_id = user_id if chat_id is None else chat_id
    chat: dict[str, Any] = (
        {"id": chat_id, "type": "private", "first_name": first_name}
        if chat_id > 0
        else {"id": chat_id, "type": "group", "title": chat_title or "工地群"}
    )
    sender: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
    if last_name:
        sender["last_name"] = last_name
    if language_code:
        sender["language_code"] = language_code
    message: dict[str, Any] = {
        "message_id": message_id or update_id,
        "date": int(time.time()),
        "chat": chat,
        "from": sender,
        "text": text,
    }
    if text.startswith("/"):
        command = text.split()[0]
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command.encode("utf-16-le")) // 2}]
    return {"update_id": update_id, "message": message}


def edited_update(update_id: int, message_id: int, text: str, **kwargs: Any) -> dict[str, Any]:
    """The user edited an earlier message (same message id, new text)."""
    update = message_update(update_id, text, message_id=message_id, **kwargs)
    return {"update_id": update_id, "edited_message": {**update["message"], "edit_date": int(time.time())}}


def reply_update(
    update_id: int, text: str, *, to_message_id: int, to_bot: bool = True, **kwargs: Any
) -> dict[str, Any]:
    """A message replying to an earlier one (one of the bot's, by default)."""
    update = message_update(update_id, text, **kwargs)
    sender = (
        {"id": BOT_ID, "is_bot": True, "first_name": "SiteBot", "username": BOT_USERNAME}
        if to_bot
        else {
            "id": 1,
            "is_bot": False,
            "first_name": "X",
        }
    )
    update["message"]["reply_to_message"] = {
        "message_id": to_message_id,
        "date": int(time.time()),
        "chat": update["message"]["chat"],
        "from": sender,
        "text": "…",
    }
    return update


def callback_update(
    update_id: int,
    data: str,
    *,
    message_id: int,
    message_text: str = "…",
    user_id: int = 1001,
    chat_id: int | None = None,
    first_name: str = "Li",
) -> dict[str, Any]:
    """A pressed inline button on one of the bot's messages."""
    chat_id = user_id if chat_id is None else chat_id
    chat: dict[str, Any] = (
        {"id": chat_id, "type": "private", "first_name": first_name}
        if chat_id > 0
        else {"id": chat_id, "type": "group", "title": "工地群"}
    )
    return {
        "update_id": update_id,
        "callback_query": {
            "id": f"cb{update_id}",
            "from": {"id": user_id, "is_bot": False, "first_name": first_name},
            "chat_instance": "ci",
            "data": data,
            "message": {
                "message_id": message_id,
                "date": int(time.time()),
                "chat": chat,
                "from": {"id": BOT_ID, "is_bot": True, "first_name": "SiteBot", "username": BOT_USERNAME},
                "text": message_text,
            },
        },
    }


def document_update(
    update_id: int, file_id: str, file_name: str, size: int, *, user_id: int = 1001, chat_id: int | None = None
) -> dict[str, Any]:
    """A file sent as a document (put its content in the fake with add_file first)."""
    update = message_update(update_id, "", user_id=user_id, chat_id=chat_id)
    message = update["message"]
    del message["text"]
    message["document"] = {
        "file_id": file_id,
        "file_unique_id": f"u{file_id}",
        "file_name": file_name,
        "file_size": size,
    }
    return update
