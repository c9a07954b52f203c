"""The User-Agents and Referers the LINK checks present, besides the target's own clients.

A platform that withholds a shared page from one app's in-app browser
recognises that app by a token its WebView appends to the User-Agent; the
suite presents the families of in-app browsers, link-preview fetchers and
crawlers that shared links most often reach, so a page that differs for
any one of them is seen (LINK-007).
"""

from __future__ import annotations

from typing import Final

GENERIC_BROWSER: Final = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
MOBILE_WEBVIEW: Final = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Version/4.0 Chrome/126.0.0.0 Mobile Safari/537.36"
)
IOS_WEBVIEW: Final = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Mobile/15E148"
)
CRAWLER: Final = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
SEARCH_REFERER: Final = "https://search.example/results?q=shared+post"

IN_APP_BROWSERS: Final[tuple[tuple[str, str], ...]] = (
    ("WeChat", MOBILE_WEBVIEW + " XWEB/1260117 MMWEBSDK/20240501 MicroMessenger/8.0.50.2701"
     "(0x28003237) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64"),
    ("WeChat (iOS)", IOS_WEBVIEW + " MicroMessenger/8.0.50(0x1800322c) NetType/WIFI "
     "Language/zh_CN"),
    ("QQ", MOBILE_WEBVIEW + " V1_AND_SQ_9.0.56_6372_YYB_D QQ/9.0.56.16120 NetType/WIFI "
     "WebP/0.4.1 AppId/537220366"),
    ("Weibo", MOBILE_WEBVIEW + " Weibo (Xiaomi-2201123C__weibo__14.6.0__android__android14)"),
    ("Alipay", MOBILE_WEBVIEW + " AlipayClient/10.6.0.8000 Alipay Language/zh-Hans"),
    ("Taobao", MOBILE_WEBVIEW + " AliApp(TB/10.38.10) WindVane/8.5.0 1080X2400"),
    ("DingTalk", MOBILE_WEBVIEW + " AliApp(DingTalk/7.6.0) com.alibaba.android.rimet/38654591"
     " Channel/227200 language/zh-CN"),
    ("Douyin", MOBILE_WEBVIEW + " aweme_300500 JsSdk/1.0 NetType/WIFI Channel/douyin "
     "app_version/30.5.0 ByteLocale/zh-CN BytedanceWebview/d8a21c6"),
    ("TikTok", MOBILE_WEBVIEW + " musical_ly_2023505030 JsSdk/1.0 AppName/musical_ly "
     "app_version/35.5.3 ByteLocale/en BytedanceWebview/d8a21c6"),
    ("Xiaohongshu", MOBILE_WEBVIEW + " discover/8.40.0 XiaoHongShu/8.40.0"),
    ("Facebook", MOBILE_WEBVIEW + " [FB_IAB/FB4A;FBAV/475.0.0.47.109;]"),
    ("Instagram", MOBILE_WEBVIEW + " Instagram 339.0.0.30.105 Android (34/14; 420dpi; "
     "1080x2400; Google/google; Pixel 8; shiba; shiba; en_US; 624785634)"),
    ("LINE", MOBILE_WEBVIEW + " Line/14.10.0/IAB"),
    ("Snapchat", IOS_WEBVIEW + " Snapchat/12.93.0.39 (iPhone15,2; iOS 17.5; gzip)"),
    ("an iOS WebView", IOS_WEBVIEW),
)  # fmt: skip
"""(family, User-Agent) of in-app browsers: the WebView's own string and the app's token."""

PREVIEW_FETCHERS: Final[tuple[tuple[str, str], ...]] = (
    ("Baiduspider", "Mozilla/5.0 (compatible; Baiduspider/2.0; "
     "+http://www.baidu.com/search/spider.html)"),
    ("bingbot", "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)"),
    ("a link preview (facebookexternalhit)",
     "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)"),
    ("a link preview (WhatsApp)", "WhatsApp/2.24.15.78 A"),
    ("a link preview (Slackbot)", "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)"),
)  # fmt: skip
"""(name, User-Agent) of crawlers and the fetchers that build link previews in messengers."""


def in_app_browser(app_agent: str) -> str:
    """A WebView User-Agent as an app's in-app browser sends it: the app's token appended."""
    return f"{MOBILE_WEBVIEW} {app_agent}"
