"""The bot's Bot API calls over aiohttp (already our web server's library) instead of PTB's
default httpx.

Why: httpcore (under httpx) re-examines every pooled connection, and for each idle one every
other, whenever a request starts or ends; with many sends in flight that is most of the CPU a
message costs. Measured on the emulator with 64 sends in flight (``bench.outbox``): 8.9 ms of
CPU per ``sendMessage`` with PTB's ``HTTPXRequest``, 0.5 ms with this class.

Timeouts as in PTB: ``read`` (waiting for the answer: the request may have reached Telegram),
``connect`` (opening a connection: nothing was sent), ``pool`` (waiting for a free connection:
nothing was sent); aiohttp has no separate write timeout, so ``write_timeout`` is not used.
``getUpdates`` keeps PTB's own request object (one long poll, no pool to speak of).
"""

from __future__ import annotations

from typing import Any

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

from bot.delivery.request import ServerError, describe


class AiohttpRequest(BaseRequest):
    """A PTB request class on one ``aiohttp.ClientSession`` with a pool of ``pool_size``."""

    def __init__(
        self,
        *,
        pool_size: int = 64,
        read_timeout: float | None = 15.0,
        connect_timeout: float | None = 10.0,
        pool_timeout: float | None = 10.0,
    ) -> None:
        self._pool_size = pool_size
        self._read_timeout = read_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size, ttl_dns_cache=300),
                headers={"User-Agent": self.USER_AGENT},
            )

    async def shutdown(self) -> None:
        if self._session is not None:
            session, self._session = self._session, None
            await session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        read = self._read_timeout if isinstance(read_timeout, DefaultValue) else read_timeout
        connect = self._connect_timeout if isinstance(connect_timeout, DefaultValue) else connect_timeout
        pool = self._pool_timeout if isinstance(pool_timeout, DefaultValue) else pool_timeout
        timeout = aiohttp.ClientTimeout(
            total=None,
            connect=None if pool is None and connect is None else (pool or 0) + (connect or 0),
            sock_connect=connect,
            sock_read=read,
        )
        try:
            async with self._session.request(method, url, data=_body(request_data), timeout=timeout) as response:
                status, payload = response.status, await response.read()
        except aiohttp.ConnectionTimeoutError as exc:
            raise TimedOut("Connect or pool timeout: the request was not sent") from exc
        except (TimeoutError, aiohttp.ServerTimeoutError) as exc:
            raise TimedOut from exc
        except aiohttp.ClientError as exc:
            raise NetworkError(f"aiohttp.{type(exc).__name__}: {exc}") from exc
        if status >= 500:  # told apart from other network errors: retried by kind (ratelimit)
            raise ServerError(status, describe(payload))
        return status, payload


def _body(request_data: RequestData | None) -> aiohttp.FormData | dict[str, str] | None:
    """Form fields as PTB encodes them (nested values are JSON strings), multipart with files."""
    if request_data is None:
        return None
    if not request_data.contains_files:
        return request_data.json_parameters
    form = aiohttp.FormData(quote_fields=False)
    for name, value in request_data.json_parameters.items():
        form.add_field(name, value)
    for name, (filename, content, mime) in request_data.multipart_data.items():
        form.add_field(name, content, filename=filename, content_type=mime)
    return form
