"""A scripted OpenAI-compatible server on 127.0.0.1: POST /v1/chat/completions, non-streaming.

Each test queues the answers the "model" gives (tool calls, text, HTTP errors, delays) and reads back
every request body, so it can count model calls and inspect the prompt and the tools that were sent.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_ids = itertools.count(1)


@dataclass
class Scripted:
    """One answer: an HTTP status with a JSON body, sent after an optional delay."""

    status: int = 200
    body: dict[str, Any] = field(default_factory=dict)
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)


def _completion(message: dict[str, Any], finish: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": 1_764_000_000,
        "model": "fake-model",
        "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": None}],
        "usage": {"prompt_tokens": 1200, "completion_tokens": 30, "total_tokens": 1230},
    }


def text(content: str) -> Scripted:
    """The model answers in words, calling no tool."""
    return Scripted(body=_completion({"role": "assistant", "content": content}, "stop"))


def tool_calls(*calls: tuple[str, dict[str, Any] | str]) -> Scripted:
    """The model calls tools; arguments given as a str are sent verbatim (e.g. broken JSON)."""
    items = [
        {
            "id": f"call_{next(_ids)}",
            "type": "function",
            "function": {
                "name": name,
                "arguments": args if isinstance(args, str) else json.dumps(args, ensure_ascii=False),
            },
        }
        for name, args in calls
    ]
    return Scripted(body=_completion({"role": "assistant", "content": None, "tool_calls": items}, "tool_calls"))


def error(status: int, message: str = "scripted error") -> Scripted:
    """An HTTP error as the API sends it; retry-after-ms keeps the client's backoff short in tests."""
    return Scripted(
        status=status,
        body={"error": {"message": message, "type": "server_error", "code": None}},
        headers={"retry-after-ms": "10"},
    )


def slow(seconds: float, then: Scripted | None = None) -> Scripted:
    """An answer that arrives after `seconds` (longer than the client's timeout makes it a timeout)."""
    answer = then or text("too late")
    return Scripted(status=answer.status, body=answer.body, delay=seconds, headers=answer.headers)


class FakeOpenAI:
    """The server's script and record; use `serve()` to run it."""

    def __init__(self) -> None:
        self.queue: deque[Scripted] = deque()
        self.default: Scripted | None = None  # answer when the queue is empty (None: a 599 that fails the test)
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.unexpected: list[str] = []
        self.base_url = ""
        self._lock = threading.Lock()
        self._stop = threading.Event()

    def script(self, *answers: Scripted) -> FakeOpenAI:
        self.queue.extend(answers)
        return self

    def always(self, answer: Scripted) -> FakeOpenAI:
        """Answer this way to every request once the queue is used up (an endless tool loop)."""
        self.default = answer
        return self

    @property
    def calls(self) -> int:
        """HTTP requests received (client retries included)."""
        return len(self.requests)

    def tools_sent(self, index: int = -1) -> list[dict[str, Any]]:
        return list(self.requests[index].get("tools", []))

    def messages_sent(self, index: int = -1) -> list[dict[str, Any]]:
        return list(self.requests[index]["messages"])

    def _next(self, path: str, body: dict[str, Any], headers: dict[str, str]) -> Scripted:
        with self._lock:
            self.requests.append(body)
            self.headers.append(headers)
            if not path.endswith("/chat/completions"):
                self.unexpected.append(f"path {path}")
                return Scripted(status=404, body={"error": {"message": "not found"}})
            if body.get("stream"):
                self.unexpected.append("stream=true")
                return Scripted(status=400, body={"error": {"message": "streaming is not scripted"}})
            if self.queue:
                return self.queue.popleft()
            if self.default is not None:
                return self.default
            self.unexpected.append("request after the script ran out")
            return Scripted(status=599, body={"error": {"message": "script exhausted"}})

    @contextmanager
    def serve(self) -> Iterator[FakeOpenAI]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw or b"{}")
                except ValueError:
                    body = {"_raw": raw.decode("utf-8", "replace")}
                answer = fake._next(self.path, body, {k.lower(): v for k, v in self.headers.items()})
                if answer.delay and fake._stop.wait(answer.delay):
                    return
                payload = json.dumps(answer.body, ensure_ascii=False).encode()
                try:
                    self.send_response(answer.status)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(payload)))
                    for key, value in answer.headers.items():
                        self.send_header(key, value)
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:  # the client gave up (timeout) and closed the connection
                    pass

            def log_message(self, format: str, *args: Any) -> None:
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request: Any, client_address: Any) -> None:
                pass  # a client that hung up mid-answer is expected in timeout tests

        server = Server(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{server.server_address[1]}/v1"
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._stop.set()
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)
