"""The User-Agents and Referers the LINK checks present, besides the target's own clients."""

from __future__ import annotations

from typing import Final

GENERIC_BROWSER: Final = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
MOBILE_WEBVIEW: Final = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Version/4.0 Chrome/126.0.0.0 Mobile Safari/537.36"
)
CRAWLER: Final = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
SEARCH_REFERER: Final = "https://search.example/results?q=shared+post"


def in_app_browser(app_agent: str) -> str:
    """A WebView User-Agent as an app's in-app browser sends it: the app's token appended."""
    return f"{MOBILE_WEBVIEW} {app_agent}"
