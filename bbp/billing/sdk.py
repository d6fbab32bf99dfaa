"""The Stripe SDK, loaded on first use: a web worker that serves no billing or payment request
never imports it, nor the HTTP libraries (requests, aiohttp) it pulls in."""

from __future__ import annotations

from bbp.lazy import lazy_module

stripe = lazy_module("stripe")
