"""The repeated chrome real government CMS pages carry around a document, generated per site.

Real detail pages are 15–100 KB (median ~27 KB), of which the document is a few KB: the rest is the
site's chrome, the same on every page of the site: a mega-menu with every column of the portal, inline
stylesheets and scripts (accessibility toolbar, font zoom, share widgets, statistics, the 党政机关 badge
and 网站纠错 loaders), a 友情链接 block with drop-down lists of other government sites, and a footer with
the 备案 and 公安备案 numbers, site map and contact links. That chrome is why gzip takes a real page to
~16% of its size, and why storage figures measured on bare replica pages (~8.5 KB, gzip ~44%) say little
about real ones. Each platform's templates put these parts where that platform does (`head_extra` before
`</head>`, `menu` after the navigation bar, `footer_extra` before the footer, `tail` before `</body>`).

Everything here is generated from a small vocabulary and the site's own identity (name, host, region),
deterministically, so a page is byte-identical between fetches (noise mode adds its own variation), and
nothing of it is ever document content: menus and link lists are link-dense, scripts and styles are not
text, and no part sits inside a platform's body container.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from random import Random
from typing import Any

from markupsafe import Markup

from replica.templating import render_markup

# Columns of a government portal, by top-level menu (what real mega-menus list).
MENUS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "首页",
        ("网站首页", "今日关注", "图片新闻", "视频新闻", "专题专栏", "通知公告", "网站地图", "无障碍浏览"),
    ),
    (
        "机构概况",
        ("领导信息", "机构职能", "内设机构", "直属单位", "联系方式", "办公地址", "工作规则", "历史沿革"),
    ),
    (
        "政务公开",
        (
            "政府信息公开指南",
            "政府信息公开制度",
            "法定主动公开内容",
            "政府信息公开年报",
            "政策文件",
            "政策解读",
            "规划计划",
            "财政预决算",
            "人事信息",
            "建议提案办理",
            "重大行政决策",
            "行政执法",
            "双随机一公开",
            "权责清单",
            "统计信息",
            "应急管理",
            "政府会议",
            "新闻发布会",
            "依申请公开",
            "历史信息",
        ),
    ),
    (
        "政务服务",
        (
            "办事指南",
            "服务事项",
            "表格下载",
            "便民服务",
            "在线办理",
            "办件查询",
            "中介服务",
            "好差评",
            "一件事一次办",
            "跨省通办",
            "证照办理",
            "社会保障",
            "婚姻登记",
            "养老服务",
            "社会救助",
            "殡葬服务",
        ),
    ),
    (
        "互动交流",
        (
            "领导信箱",
            "在线访谈",
            "意见征集",
            "调查征集",
            "咨询投诉",
            "12345热线",
            "常见问题",
            "留言选登",
            "网上调查",
            "回应关切",
        ),
    ),
    (
        "专题专栏",
        (
            "主题教育",
            "优化营商环境",
            "乡村振兴",
            "安全生产",
            "法治政府建设",
            "扫黑除恶",
            "疫情防控",
            "政务公开专区",
            "基层政务公开标准化",
            "民法典宣传",
            "文明城市创建",
            "防范电信诈骗",
        ),
    ),
)
# What 友情链接 drop-downs list: national, provincial and local government sites.
NATIONAL = (
    ("中国政府网", "www.gov.cn"), ("国务院办公厅", "www.gov.cn/guowuyuan"), ("国家发展和改革委员会", "www.ndrc.gov.cn"),
    ("教育部", "www.moe.gov.cn"), ("科学技术部", "www.most.gov.cn"), ("工业和信息化部", "www.miit.gov.cn"),
    ("公安部", "www.mps.gov.cn"), ("民政部", "www.mca.gov.cn"), ("司法部", "www.moj.gov.cn"), ("财政部", "www.mof.gov.cn"),
    ("人力资源和社会保障部", "www.mohrss.gov.cn"), ("自然资源部", "www.mnr.gov.cn"), ("生态环境部", "www.mee.gov.cn"),
    ("住房和城乡建设部", "www.mohurd.gov.cn"), ("交通运输部", "www.mot.gov.cn"), ("水利部", "www.mwr.gov.cn"),
    ("农业农村部", "www.moa.gov.cn"), ("商务部", "www.mofcom.gov.cn"), ("文化和旅游部", "www.mct.gov.cn"),
    ("国家卫生健康委员会", "www.nhc.gov.cn"), ("退役军人事务部", "www.mva.gov.cn"), ("应急管理部", "www.mem.gov.cn"),
    ("审计署", "www.audit.gov.cn"), ("国家统计局", "www.stats.gov.cn"), ("国家市场监督管理总局", "www.samr.gov.cn"),
)  # fmt: skip
COUNTIES = (
    "城区",
    "新区",
    "开发区",
    "高新区",
    "东县",
    "西县",
    "南县",
    "北县",
    "河县",
    "山县",
    "江县",
    "湖县",
)
OFFICES = (
    "发展和改革局", "教育局", "科学技术局", "工业和信息化局", "公安局", "民政局", "司法局", "财政局",
    "人力资源和社会保障局", "自然资源局", "生态环境局", "住房和城乡建设局", "交通运输局", "水务局", "农业农村局",
    "商务局", "文化广电旅游局", "卫生健康局", "退役军人事务局", "应急管理局", "审计局", "市场监督管理局",
    "统计局", "医疗保障局", "林业局", "信访局", "数据局", "行政审批服务局",
)  # fmt: skip


@dataclass(frozen=True)
class Flavour:
    """How one platform names and arranges its chrome."""

    prefix: str  # CSS class prefix the platform's templates use
    static: str  # where its static files live
    menu_tag: str  # "ul" menus or "dl" menus
    jquery: str  # the jQuery idiom of its inline scripts


# The quick links under the menu: (name, directory).
QUICK_LINKS = (
    ("政府信息公开", "xxgk"), ("依申请公开", "ysqgk"), ("领导信箱", "ldxx"), ("政策文件", "zcwj"),
    ("政策解读", "zcjd"), ("办事指南", "bszn"), ("意见征集", "yjzj"), ("数据开放", "sjkf"),
)  # fmt: skip

FLAVOURS = {
    "trs": Flavour("gz", "/images", "ul", "$(function(){"),
    "nfcms": Flavour("nf", "/js", "dl", "jQuery(document).ready(function($){"),
    "sxjz": Flavour("sx", "/template/default", "ul", "$(document).ready(function(){"),
    "ankang": Flavour("ak", "/Content", "dl", "$(function(){"),
}


@dataclass(frozen=True)
class Chrome:
    """A site's chrome, ready to put into its pages (markup the replica made, so not escaped again)."""

    head_extra: Markup
    menu: Markup
    footer_extra: Markup
    tail: Markup


def for_site(platform: str, site: Any) -> Chrome:
    """The chrome of a replica site (any platform's site object: host, site_name, agency)."""
    return chrome(platform, site.site_name, site.host, site.agency.city, tuple(site.agency.counties))


@lru_cache(maxsize=64)
def chrome(platform: str, site_name: str, host: str, region: str, counties: tuple[str, ...] = ()) -> Chrome:
    """The chrome of one site (cached: it is the same on every page)."""
    flavour = FLAVOURS[platform]
    rng = Random(f"{platform}:{host}")
    rules = _style_rules(flavour, rng)
    head_extra = render_markup(
        "chrome/head_extra.html", f=flavour, rules=rules, site_id=rng.randrange(10**5, 10**6), host=host
    )
    menu = render_markup("chrome/menu.html", f=flavour, menus=MENUS, quick=QUICK_LINKS)
    footer_extra = render_markup("chrome/links.html", f=flavour, selects=_link_lists(region, counties, host))
    stat_id = "".join(rng.choice("0123456789abcdef") for _ in range(32))
    tail = render_markup("chrome/tail.html", f=flavour, site_name=site_name, host=host, stat_id=stat_id)
    return Chrome(head_extra=head_extra, menu=menu, footer_extra=footer_extra, tail=tail)


def _style_rules(f: Flavour, rng: Random) -> list[tuple[str, list[str]]]:
    """An inline stylesheet's rules, (selector, declarations): the same handful of rules for each block
    of the header, menus and footer (CMS templates inline one per block, differing in a size or a
    colour), as real pages carry."""
    parts = ("header", "nav", "subnav", "banner", "path", "article", "share", "footer", "links")
    children = {
        "": "margin:0 auto;padding:0;width:{w}px;overflow:hidden;position:relative",
        " ul": "margin:0;padding:0;list-style:none;overflow:hidden",
        " li": "float:left;height:{h}px;line-height:{h}px;padding:0 {p}px;text-align:center",
        " a": "color:#{c};font-size:{s}px;text-decoration:none;white-space:nowrap",
        " a:hover": "color:#{c};text-decoration:underline",
        " .on": "background:#{c};color:#fff",
        " span": "color:#{c};font-size:{s}px;margin:0 {p}px",
        " img": "border:0;vertical-align:middle;max-width:100%",
        " .more": "float:right;color:#{c};font-size:{s}px",
        " h3": "height:{h}px;line-height:{h}px;font-size:{s}px;color:#{c};border-bottom:2px solid #{c}",
    }
    palette = [f"{rng.randrange(0x1000000):06x}" for _ in range(4)]  # a site's few colours
    rules = []
    for part in parts:
        for child, template in children.items():
            body = template.format(
                w=rng.choice((1200, 1180, 1000)),
                h=rng.choice((30, 36, 40, 48)),
                p=rng.choice((10, 15, 20)),
                s=rng.choice((14, 16, 18)),
                c=rng.choice(palette),
            )
            rules.append((f"{f.prefix}-{part}{child}", body.split(";")))
    return rules


def _link_lists(region: str, local: tuple[str, ...], host: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """友情链接: (title, [(name, url)]) of the national, provincial-level and local government sites."""
    domain = host.split(".", 1)[-1] if "." in host else host
    offices = [(f"{region}{o}", f"http://{_slug(o, k)}.{domain}/") for k, o in enumerate(OFFICES)]
    names = [f"{c}人民政府" for c in local] or [f"{region[:2]}{c}人民政府" for c in COUNTIES]
    counties = [(n, f"http://{_slug(n, k)}.{domain}/") for k, n in enumerate(names)]
    national = [(n, f"http://{d}/") for n, d in NATIONAL]
    return [("国务院部门网站", national), (f"{region}部门网站", offices), ("区县政府网站", counties)]


def _slug(name: str, k: int) -> str:
    return "".join(f"{ord(c) % 26 + 97:c}" for c in name[:3]) + str(k)
