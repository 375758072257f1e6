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
from html import escape
from random import Random
from typing import Any

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


FLAVOURS = {
    "trs": Flavour("gz", "/images", "ul", "$(function(){"),
    "nfcms": Flavour("nf", "/js", "dl", "jQuery(document).ready(function($){"),
    "sxjz": Flavour("sx", "/template/default", "ul", "$(document).ready(function(){"),
    "ankang": Flavour("ak", "/Content", "dl", "$(function(){"),
}


@dataclass(frozen=True)
class Chrome:
    head_extra: str
    menu: str
    footer_extra: str
    tail: str


def for_site(platform: str, site: Any) -> Chrome:
    """The chrome of a replica site (any platform's site object: host, site_name, agency)."""
    return chrome(platform, site.site_name, site.host, site.agency.city, tuple(site.agency.counties))


@lru_cache(maxsize=64)
def chrome(platform: str, site_name: str, host: str, region: str, counties: tuple[str, ...] = ()) -> Chrome:
    """The chrome of one site (cached: it is the same on every page)."""
    flavour = FLAVOURS[platform]
    rng = Random(f"{platform}:{host}")
    return Chrome(
        head_extra=_styles(flavour, rng) + _head_scripts(flavour, host, rng),
        menu=_menu(flavour, host, rng),
        footer_extra=_links(flavour, region, counties, host),
        tail=_tail_scripts(flavour, site_name, host, rng),
    )


def _styles(f: Flavour, rng: Random) -> str:
    """An inline stylesheet: the same handful of rules for each block of the header, menus and footer
    (CMS templates inline one per block, differing in a size or a colour), as real pages carry."""
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
            lines = "".join(f"\t\t{prop};\n" for prop in body.split(";"))
            rules.append(f"\t.{f.prefix}-{part}{child} {{\n{lines}\t}}")
    return '<style type="text/css">\n' + "\n".join(rules) + "\n</style>\n"


def _head_scripts(f: Flavour, host: str, rng: Random) -> str:
    site_id = rng.randrange(10**5, 10**6)
    return f"""<script type="text/javascript">
var _{f.prefix}Config = {{siteId:"{site_id}", siteHost:"{host}", searchUrl:"/search/", channelPath:"/", wzaEnable:true, oldMode:false, fontSize:16, lang:"zh-CN"}};
function doZoom(size){{var el=document.getElementById("Zoom")||document.getElementById("zoom");if(!el)return;el.style.fontSize=size+"px";var ps=el.getElementsByTagName("p");for(var i=0;i<ps.length;i++){{ps[i].style.fontSize=size+"px";ps[i].style.lineHeight=(size*1.8)+"px";}}}}
function setHome(obj,url){{try{{obj.style.behavior="url(#default#homepage)";obj.setHomePage(url);}}catch(e){{if(window.netscape){{alert("此操作被浏览器拒绝！");}}}}}}
function addFavorite(url,title){{try{{window.external.addFavorite(url,title);}}catch(e){{try{{window.sidebar.addPanel(title,url,"");}}catch(e2){{alert("加入收藏失败，请使用Ctrl+D进行添加");}}}}}}
function printPage(){{var body=document.body.innerHTML;var start=body.indexOf("printStart");var end=body.indexOf("printEnd");if(start<0||end<0){{window.print();return;}}document.body.innerHTML=body.substring(start+10,end);window.print();document.body.innerHTML=body;}}
</script>
"""


def _menu(f: Flavour, host: str, rng: Random) -> str:
    """The portal's mega-menu: every top-level menu with all its columns, as hidden drop-downs."""
    blocks = []
    for i, (top, columns) in enumerate(MENUS):
        slug = f"col{i + 1:02d}"
        items = []
        for j, name in enumerate(columns):
            href = f"/{slug}/{slug}{j + 1:02d}/"
            if f.menu_tag == "ul":
                items.append(
                    f'\t\t\t\t<li>\n\t\t\t\t\t<a href="{href}" target="_blank" title="{name}">{name}</a>\n\t\t\t\t</li>\n'
                )
            else:
                items.append(
                    f'\t\t\t\t<dd>\n\t\t\t\t\t<a href="{href}" title="{name}">{name}</a>\n\t\t\t\t</dd>\n'
                )
        wrap = "ul" if f.menu_tag == "ul" else "dl"
        blocks.append(
            f'\t<div class="{f.prefix}-subnav" id="subnav{i}" style="display:none">\n'
            f'\t\t<div class="{f.prefix}-subnav-tit">\n\t\t\t<a href="/{slug}/">{top}</a>\n\t\t</div>\n'
            f'\t\t\t<{wrap} class="{f.prefix}-subnav-list clearfix">\n{"".join(items)}\t\t\t</{wrap}>\n\t</div>'
        )
    quick = "".join(
        f'<a href="/{s}/" class="{f.prefix}-quick-{k}" title="{n}"><img src="{f.static}/images/icon_{k}.png" alt="{n}"><span>{n}</span></a>'
        for k, (n, s) in enumerate(
            (("政府信息公开", "xxgk"), ("依申请公开", "ysqgk"), ("领导信箱", "ldxx"), ("政策文件", "zcwj"),
             ("政策解读", "zcjd"), ("办事指南", "bszn"), ("意见征集", "yjzj"), ("数据开放", "sjkf"))
        )
    )  # fmt: skip
    return (
        f'<div class="{f.prefix}-menu-wrap" id="menuWrap">\n'
        + "\n".join(blocks)
        + f'\n</div>\n<div class="{f.prefix}-quick clearfix">{quick}</div>\n'
    )


def _links(f: Flavour, region: str, local: tuple[str, ...], host: str) -> str:
    """友情链接: drop-downs of national, provincial-level and local government sites."""
    domain = host.split(".", 1)[-1] if "." in host else host
    offices = [(f"{region}{o}", f"http://{_slug(o, k)}.{domain}/") for k, o in enumerate(OFFICES)]
    names = [f"{c}人民政府" for c in local] or [f"{region[:2]}{c}人民政府" for c in COUNTIES]
    counties = [(n, f"http://{_slug(n, k)}.{domain}/") for k, n in enumerate(names)]
    national = [(n, f"http://{d}/") for n, d in NATIONAL]

    def select(title: str, links: list[tuple[str, str]]) -> str:
        options = "".join(f'\n\t\t\t\t<option value="{u}">{escape(n)}</option>' for n, u in links)
        return (
            f'<div class="{f.prefix}-links-item"><select onchange="if(this.value)window.open(this.value);" '
            f'title="{title}"><option value="">—— {title} ——</option>{options}</select></div>'
        )

    return (
        f'<div class="{f.prefix}-links clearfix"><div class="{f.prefix}-links-tit">友情链接</div>'
        + select("国务院部门网站", national)
        + select(f"{region}部门网站", offices)
        + select("区县政府网站", counties)
        + "</div>\n"
        + f'<div class="{f.prefix}-footer-nav"><a href="/wzdt/">网站地图</a>|<a href="/lxwm/">联系我们</a>|'
        '<a href="/yssm/">隐私声明</a>|<a href="/wzsm/">网站声明</a>|<a href="/sybz/">使用帮助</a>|'
        '<a href="/jgsz/">机构设置</a></div>\n'
    )


def _slug(name: str, k: int) -> str:
    return "".join(f"{ord(c) % 26 + 97:c}" for c in name[:3]) + str(k)


def _tail_scripts(f: Flavour, site_name: str, host: str, rng: Random) -> str:
    """What real pages load and inline at the end: accessibility, 纠错, the 党政机关 badge, statistics,
    the share widget, the menu and back-to-top behaviour, a hidden print header."""
    stat_id = "".join(rng.choice("0123456789abcdef") for _ in range(32))
    return f"""<div class="{f.prefix}-float" id="floatTools" style="display:none"><a href="javascript:void(0);" class="{f.prefix}-float-wx" title="微信">微信</a><a href="javascript:void(0);" class="{f.prefix}-float-wb" title="微博">微博</a><a href="javascript:void(0);" class="{f.prefix}-float-app" title="客户端">客户端</a><a href="javascript:void(0);" class="{f.prefix}-float-top" title="返回顶部" onclick="window.scrollTo(0,0)">顶部</a></div>
<div class="{f.prefix}-print-head" style="display:none"><img src="{f.static}/images/print_logo.png" alt="{escape(site_name)}"></div>
<script type="text/javascript">
{f.jquery}
  $(".{f.prefix}-nav li").hover(function(){{var i=$(this).index();$(this).addClass("on").siblings().removeClass("on");$("#subnav"+i).stop(true,true).slideDown(200);}},function(){{var i=$(this).index();$("#subnav"+i).stop(true,true).slideUp(100);}});
  $(".{f.prefix}-share a").on("click",function(){{var t=$(this).attr("class");var url=encodeURIComponent(location.href);var title=encodeURIComponent(document.title);if(t.indexOf("wb")>=0){{window.open("https://service.weibo.com/share/share.php?url="+url+"&title="+title);}}else if(t.indexOf("qq")>=0){{window.open("https://sns.qzone.qq.com/cgi-bin/qzshare/cgi_qzshare_onekey?url="+url+"&title="+title);}}else{{$("#qrcodeBox").show();}}}});
  $(window).scroll(function(){{if($(window).scrollTop()>300){{$("#floatTools").fadeIn();}}else{{$("#floatTools").fadeOut();}}}});
  $(".{f.prefix}-links select").each(function(){{$(this).val("");}});
}});
</script>
<script type="text/javascript">
(function(){{var _st=document.createElement("script");_st.type="text/javascript";_st.async=true;_st.src="{f.static}/js/stat.js?sid={stat_id}";var s=document.getElementsByTagName("script")[0];s.parentNode.insertBefore(_st,s);}})();
(function(){{var jc=document.createElement("script");jc.src="//pucha.kaipuyun.cn/exposure/jiucuo.js";jc.setAttribute("id","_jiucuo_");jc.setAttribute("sitecode","{host}");document.getElementsByTagName("head")[0].appendChild(jc);}})();
(function(){{var dz=document.createElement("script");dz.src="//dcs.conac.cn/js/nis.js";document.getElementsByTagName("head")[0].appendChild(dz);}})();
</script>
<script type="text/javascript" src="{f.static}/js/wza/aria.js?appid={stat_id[:16]}" charset="utf-8"></script>
"""
