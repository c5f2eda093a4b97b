"""The per-host pools' connections on asyncio's own streams: TLS, a closed kept-alive
connection, a big body, and the errors httpx's callers expect."""

from __future__ import annotations

import asyncio
import ssl

import httpx
import pytest
import trustme

from monitor.host_pools import HostPools


async def serve(
    answer: bytes, *, tls: ssl.SSLContext | None = None, close_after: bool = False
) -> tuple[asyncio.Server, list[int]]:
    """A loopback HTTP/1.1 server giving `answer` to each request; counts its connections."""
    connections: list[int] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(1)
        try:
            while True:
                await reader.readuntil(b"\r\n\r\n")
                writer.write(answer)
                await writer.drain()
                if close_after:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=tls)
    return server, connections


def reply(body: bytes) -> bytes:
    return b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)


async def get(pools: HostPools, url: str) -> httpx.Response:
    async with httpx.AsyncClient(transport=pools) as client:
        return await client.get(url)


def test_a_page_over_tls() -> None:
    ca = trustme.CA()
    server_side = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("localhost").configure_cert(server_side)
    client_side = ssl.create_default_context()
    ca.configure_trust(client_side)

    async def fetch() -> tuple[httpx.Response, str]:
        server, _ = await serve(reply(b"secret hello"), tls=server_side)
        port = server.sockets[0].getsockname()[1]
        pools = HostPools(keep_hosts=4, ssl_context=client_side)
        async with server, httpx.AsyncClient(transport=pools) as client:
            answer = await client.get(f"https://localhost:{port}/")
            version = answer.extensions["network_stream"].get_extra_info("ssl_object").version()
            return answer, version

    answer, version = asyncio.run(fetch())
    assert answer.status_code == 200 and answer.content == b"secret hello"
    assert version.startswith("TLS")


def test_a_certificate_nobody_vouches_for_is_refused() -> None:
    ca = trustme.CA()
    server_side = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("localhost").configure_cert(server_side)

    async def fetch() -> None:
        server, _ = await serve(reply(b"x"), tls=server_side)
        port = server.sockets[0].getsockname()[1]
        async with server:
            await get(HostPools(keep_hosts=4), f"https://localhost:{port}/")

    with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        asyncio.run(fetch())


def test_a_kept_alive_connection_the_server_closed_is_not_reused() -> None:
    async def twice() -> tuple[list[bytes], int]:
        server, connections = await serve(reply(b"once"), close_after=True)
        port = server.sockets[0].getsockname()[1]
        pools = HostPools(keep_hosts=4)
        async with server, httpx.AsyncClient(transport=pools) as client:
            first = await client.get(f"http://127.0.0.1:{port}/")
            await asyncio.sleep(0.2)  # the server has closed it meanwhile
            second = await client.get(f"http://127.0.0.1:{port}/")
        return [first.content, second.content], len(connections)

    bodies, connections = asyncio.run(twice())
    assert bodies == [b"once", b"once"]
    assert connections == 2


def test_a_body_larger_than_what_is_buffered_ahead_arrives_whole() -> None:
    body = bytes(range(256)) * 8 * 1024  # 2 MiB: the socket is paused and resumed on the way

    async def fetch() -> httpx.Response:
        server, _ = await serve(reply(body))
        port = server.sockets[0].getsockname()[1]
        async with server:
            return await get(HostPools(keep_hosts=4), f"http://127.0.0.1:{port}/")

    assert asyncio.run(fetch()).content == body


def test_a_refused_connection_and_a_cut_answer_are_httpxs_errors() -> None:
    async def refused() -> None:
        server, _ = await serve(b"")
        port = server.sockets[0].getsockname()[1]
        server.close()
        await server.wait_closed()
        await get(HostPools(keep_hosts=4), f"http://127.0.0.1:{port}/")

    with pytest.raises(httpx.ConnectError):
        asyncio.run(refused())

    async def cut() -> None:
        server, _ = await serve(
            b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly", close_after=True
        )
        port = server.sockets[0].getsockname()[1]
        async with server:
            await get(HostPools(keep_hosts=4), f"http://127.0.0.1:{port}/")

    with pytest.raises(httpx.RemoteProtocolError):
        asyncio.run(cut())
