"""A local fake of Alibaba Cloud's SMS API (SendSms, QuerySendDetails) over real HTTP.

It answers the official SDK as the provider does: business errors as HTTP 200 with a code
other than ``OK``, gateway errors as 4xx/5xx with a code, and, when told to, takes a text
and then answers too late (the SDK's read timeout), as a provider that accepted it.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


class FakeAliyun:
    def __init__(self):
        self.requests: list[dict] = []  # every call: action and parameters
        self.accepted: list[dict] = []  # texts the provider took (SendSms that said OK)
        # Scripted answers for SendSms, one per call: ("ok"), ("code", CODE), ("http", STATUS,
        # CODE), ("late", SECONDS) = take the text, then answer after SECONDS, ("drop") =
        # take nothing and close the connection.
        self.script: list[tuple] = []
        self.default: tuple = ("ok",)
        self.query_script: list[tuple] = []  # the same for QuerySendDetails
        self.statuses: dict[str, tuple[int, str]] = {}  # OutId -> (SendStatus, ErrCode)
        self._ids = itertools.count(1)
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):  # noqa: N802 - the http.server API
                length = int(self.headers.get("Content-Length", 0) or 0)
                raw = self.rfile.read(length).decode("utf-8") if length else ""
                params = {k: v[0] for k, v in parse_qs(urlparse(self.path).query).items()}
                params.update({k: v[0] for k, v in parse_qs(raw).items()})
                action = self.headers.get("x-acs-action") or params.get("Action", "")
                with fake.lock:
                    fake.requests.append({"action": action, "params": params})
                answer = fake._answer(action, params)
                if answer is None:
                    self.close_connection = True
                    return
                status, payload, delay = answer
                if delay:
                    time.sleep(delay)
                body = json.dumps(payload, ensure_ascii=False).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json;charset=utf-8")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.endpoint = f"127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def out_ids(self) -> list[str]:
        return [text["OutId"] for text in self.accepted]

    def _answer(self, action: str, params: dict):
        request_id = f"REQ{next(self._ids)}"
        if action == "QuerySendDetails":
            step = self.query_script.pop(0) if self.query_script else ("ok",)
            if step[0] == "http":
                return step[1], {"Code": step[2], "Message": "refused", "RequestId": request_id}, 0
            details = [
                {
                    "OutId": text["OutId"], "PhoneNum": text["PhoneNumbers"],
                    "SendStatus": self.statuses.get(text["OutId"], (1, ""))[0],
                    "ErrCode": self.statuses.get(text["OutId"], (1, ""))[1],
                    "TemplateCode": text["TemplateCode"], "Content": "", "SendDate": "",
                    "ReceiveDate": "",
                }
                for text in self.accepted
                if text["PhoneNumbers"] == params.get("PhoneNumber")
                and params.get("BizId") in (None, "", text["BizId"])
            ]
            return 200, {"Code": "OK", "Message": "OK", "RequestId": request_id,
                         "TotalCount": len(details),
                         "SmsSendDetailDTOs": {"SmsSendDetailDTO": details}}, 0
        with self.lock:
            step = self.script.pop(0) if self.script else self.default
        if step[0] in ("ok", "late"):
            biz_id = f"{next(self._ids):018d}^0"
            with self.lock:
                self.accepted.append({**params, "BizId": biz_id})
            delay = step[1] if step[0] == "late" else 0
            return 200, {"Code": "OK", "Message": "OK", "BizId": biz_id,
                         "RequestId": request_id}, delay
        if step[0] == "code":
            return 200, {"Code": step[1], "Message": "refused", "RequestId": request_id}, 0
        if step[0] == "http":
            return step[1], {"Code": step[2], "Message": "refused", "RequestId": request_id}, 0
        if step[0] == "drop":
            return None
        raise AssertionError(f"unknown step {step}")
