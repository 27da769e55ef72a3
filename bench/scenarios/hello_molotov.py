"""Molotov scenario of the hello-world benchmark: one GET, one status check.

The target comes from SERVER_URL (set by bench/hello.mjs), like the loadcore scenario.
"""

import os

from molotov import scenario

SERVER_URL = os.environ.get("SERVER_URL", "http://127.0.0.1:8080/")


@scenario(weight=100)
async def hello(session):
    async with session.get(SERVER_URL) as response:
        if response.status != 200:
            raise AssertionError(f"expected status 200, got {response.status}")
