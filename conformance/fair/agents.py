"""How else a client may present itself: User-Agents of many vendors, with or without Origin.

FAIR's differential checks send each request with the headers the target
file gives each client, and also as the same client presenting itself
otherwise: desktop and mobile browsers of several vendors, in-app web views,
native HTTP stacks, crawlers, each with the client's ``Origin`` and
``Referer`` or without them. A platform that treats one family of agents
differently (a price, a refusal, a slower answer) is then seen whichever
client it picks on. The strings are real-world shapes, fixed so a run can
be replayed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Agent:
    """A family of clients and one User-Agent it sends."""

    family: str
    kind: str
    """``browser``, ``mobile``, ``in-app``, ``native`` or ``crawler``."""
    user_agent: str


AGENTS: tuple[Agent, ...] = (
    Agent(
        "Chrome on Windows",
        "browser",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.0.0 Safari/537.36",
    ),
    Agent(
        "Firefox on Linux",
        "browser",
        "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
    ),
    Agent(
        "Safari on macOS",
        "browser",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like "
        "Gecko) Version/18.1 Safari/605.1.15",
    ),
    Agent(
        "Edge on Windows",
        "browser",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
    ),
    Agent(
        "Safari on iPhone",
        "mobile",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, "
        "like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
    ),
    Agent(
        "Safari on iPad",
        "mobile",
        "Mozilla/5.0 (iPad; CPU OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/17.6 Mobile/15E148 Safari/604.1",
    ),
    Agent(
        "Chrome on Android",
        "mobile",
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.6778.81 Mobile Safari/537.36",
    ),
    Agent(
        "Samsung Internet",
        "mobile",
        "Mozilla/5.0 (Linux; Android 14; SM-S921B) AppleWebKit/537.36 (KHTML, like Gecko) "
        "SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36",
    ),
    Agent(
        "Huawei Browser",
        "mobile",
        "Mozilla/5.0 (Linux; Android 12; HarmonyOS; ALN-AL00) AppleWebKit/537.36 (KHTML, like "
        "Gecko) Chrome/99.0.4844.88 HuaweiBrowser/14.0.5.302 Mobile Safari/537.36",
    ),
    Agent(
        "WeChat on Android",
        "in-app",
        "Mozilla/5.0 (Linux; Android 13; V2227A Build/TP1A.220624.014; wv) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 XWEB/1160065 "
        "MMWEBSDK/20231202 MicroMessenger/8.0.47.2560(0x28002F30) WeChat/arm64 Weixin "
        "NetType/WIFI Language/zh_CN ABI/arm64",
    ),
    Agent(
        "Alipay on Android",
        "in-app",
        "Mozilla/5.0 (Linux; Android 13; 2211133C Build/TKQ1.220905.001; wv) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Version/4.0 Chrome/101.0.4951.74 Mobile Safari/537.36 "
        "AlipayClient/10.6.8.8000 Language/zh-Hans",
    ),
    Agent(
        "Douyin on Android",
        "in-app",
        "Mozilla/5.0 (Linux; Android 13; PGBM10 Build/TP1A.220905.001; wv) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Version/4.0 Chrome/114.0.5735.196 Mobile Safari/537.36 "
        "aweme_290100 JsSdk/1.0 NetType/WIFI app_version/29.1.0 ByteLocale/zh-CN",
    ),
    Agent(
        "Facebook on Android",
        "in-app",
        "Mozilla/5.0 (Linux; Android 14; SM-G991B Build/UP1A.231005.007; wv) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Version/4.0 Chrome/131.0.6778.39 Mobile Safari/537.36 "
        "[FB_IAB/FB4A;FBAV/489.0.0.50.109;]",
    ),
    Agent("OkHttp (Android apps)", "native", "okhttp/4.12.0"),
    Agent("CFNetwork (iOS apps)", "native", "RivalShop/5.2 CFNetwork/1568.200.51 Darwin/24.1.0"),
    Agent("curl", "native", "curl/8.5.0"),
    Agent(
        "Googlebot",
        "crawler",
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    ),
    Agent(
        "Baiduspider",
        "crawler",
        "Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)",
    ),
)

ORIGIN_HEADERS = ("Origin", "Referer")


@dataclass(frozen=True)
class Presentation:
    """How one request presents its client: an agent, with or without Origin and Referer.

    ``agent`` None is the client as the target file configures it.
    """

    agent: Agent | None = None
    with_origin: bool = True
    headers: tuple[tuple[str, str], ...] = ()
    """Headers sent over the client's configured ones (pairs, so a presentation is hashable)."""
    name: str = ""

    @property
    def label(self) -> str:
        """What a finding calls it."""
        if self.name:
            return self.name
        if self.agent is None:
            return "configured headers"
        return f"{self.agent.family} UA, {'with' if self.with_origin else 'without'} Origin/Referer"

    def sent(self) -> dict[str, str | None]:
        """Headers to send over the client's configured ones (None: leave that one out)."""
        if self.agent is None:
            return dict(self.headers)
        extra: dict[str, str | None] = {"User-Agent": self.agent.user_agent, **dict(self.headers)}
        if not self.with_origin:
            extra.update({h: None for h in ORIGIN_HEADERS})
        return extra


CONFIGURED = Presentation()


def presentations(agents: Sequence[Agent] = AGENTS) -> list[Presentation]:
    """Every agent, with and then without Origin/Referer, interleaved by kind."""
    out = []
    for i, agent in enumerate(agents):
        out.append(Presentation(agent, with_origin=i % 2 == 0))
    for i, agent in enumerate(agents):
        out.append(Presentation(agent, with_origin=i % 2 == 1))
    return out


def rotation(
    index: int, count: int, pool: Sequence[Presentation] | None = None
) -> list[Presentation]:
    """``count`` presentations for the ``index``-th request, so that successive requests cover the pool."""
    chosen = list(pool if pool is not None else presentations())
    return [chosen[(index * count + k) % len(chosen)] for k in range(count)]
