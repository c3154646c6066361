"""A strawberry-graphql ASGI app, served by uvicorn in the responder fixtures.

``uvicorn strawberry_app:app``: GraphQL over WebSocket (graphql-transport-ws
and the legacy graphql-ws) at /graphql, with an on_ws_connect check of
``connectionParams.token`` and a short connection_init timeout. DUMMY_TOKEN is
a placeholder.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from datetime import timedelta

import strawberry
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError

DUMMY_TOKEN = "dummy-token-abc"


@strawberry.type
class Query:
    @strawberry.field
    def hello(self) -> str:
        return "world"


@strawberry.type
class Subscription:
    @strawberry.subscription
    async def count(self, to: int = 2) -> AsyncGenerator[int, None]:
        for i in range(to):
            yield i
            await asyncio.sleep(0)


class View(GraphQL):
    async def on_ws_connect(self, context):  # type: ignore[no-untyped-def,override]
        params = context["connection_params"]
        if not isinstance(params, dict) or params.get("token") != DUMMY_TOKEN:
            raise ConnectionRejectionError({"reason": "bad token"})
        return None


app = View(strawberry.Schema(query=Query, subscription=Subscription),
           connection_init_wait_timeout=timedelta(seconds=0.5))
