"""Generic extraction rules added for issue 5, each on a minimal page of its own.

Markups the corpus shows only once or not at all (labels split over spans, th/td pairs, a header row of
labels above a row of values), the fallbacks for an unlabelled issuer and where they must stay silent,
meta tags that name the site rather than a source, and the page types a crawl meets.
"""

from __future__ import annotations

import pytest

from crawler.extraction import parse_page
from crawler.extraction.chrome import is_chrome_line
from crawler.extraction.signature import is_organ_name, signature_issuer, title_issuer

PARA = "<p>" + "根据有关规定，现将本年度民政工作安排通知如下，请认真贯彻落实。" * 3 + "</p>"
TITLE = "关于做好民政工作的通知"


def _page(html: str, url: str = "http://example.gov.cn/a/b.html"):
    return parse_page(html.encode("utf-8"), url)


def test_labels_split_over_spans_and_th_td_pairs():
    html = f"""<html><body><table class="info">
    <tr><th><span>索</span><span>引</span><span>号</span></th><td>A01/2024-00001</td>
        <th>发文<font>字号</font></th><td>某政发〔2024〕7号</td></tr>
    <tr><th>發布機構</th><td>某某县人民政府</td><th>成文日期</th><td>２０２４年０３月０５日</td></tr>
    </table><h1>{TITLE}</h1><div class="TRS_Editor">{PARA}</div></body></html>"""
    page = _page(html)
    assert page.index_no == "A01/2024-00001"
    assert page.doc_number == "某政发〔2024〕7号"
    assert page.issuer == "某某县人民政府"
    assert page.written_date == "2024-03-05"


def test_header_row_of_labels_reads_the_cell_below():
    html = f"""<html><body><h1>{TITLE}</h1><div class="TRS_Editor">{PARA}
    <table><tr><td>序号</td><td>当事人名称</td><td>行政处罚决定书文号</td><td>主要违法违规行为</td></tr>
    <tr><td>1</td><td>某某公司</td><td>某罚决字〔2024〕52号</td><td>未按规定报送</td></tr></table></div></body></html>"""
    assert _page(html).doc_number == "某罚决字〔2024〕52号"


def test_issuer_from_signature_when_the_page_has_no_issuer_label():
    html = f"""<html><body><h1>{TITLE}</h1><div class="TRS_Editor">{PARA}
    <p>某某市民政局　某某市财政局</p><p>2024年3月5日</p></div></body></html>"""
    page = _page(html)
    assert page.issuer == "某某市民政局 某某市财政局"
    assert page.written_date == "2024-03-05"


def test_issuer_from_title_organ_before_guanyu():
    html = f"""<html><body><h1>某某省人民政府办公厅关于印发实施方案的通知</h1>
    <div class="TRS_Editor">{PARA}</div></body></html>"""
    assert _page(html).issuer == "某某省人民政府办公厅"


def test_empty_issuer_slot_blocks_every_fallback():
    html = f"""<html><body><table><tr><td>发布机构：</td><td></td><td>索引号：</td><td>X/2024-1</td></tr></table>
    <h1>某某市民政局关于印发实施方案的通知</h1><div class="TRS_Editor">{PARA}<p>某某市民政局</p>
    <p>2024年3月5日</p></div></body></html>"""
    page = _page(html)
    assert page.index_no == "X/2024-1"
    assert page.issuer is None  # the page has an issuer field and leaves it empty: no guess


def test_news_article_gets_no_issuer():
    html = f"""<html><body><h1>全市民政工作会议召开</h1><div class="TRS_Editor">{PARA}<p>（记者 张三）</p>
    </div></body></html>"""
    assert _page(html).issuer is None


def test_organ_names():
    assert is_organ_name("国家税务总局山西省税务局")
    assert is_organ_name("中国证监会")
    assert is_organ_name("山西省医疗保障局 山西省财政厅")
    assert not is_organ_name("特此通知。")
    assert not is_organ_name("联系电话：0851-33222179")
    assert signature_issuer("正文。\n某某局\n2024年1月2日") == "某某局"
    assert signature_issuer("正文。\n某某局") is None  # no closing date: not a signature
    assert (
        signature_issuer("正文。\n某某市民政局　2024年3月5日") == "某某市民政局"
    )  # organ and date on one line
    assert signature_issuer("我们在2024年3月5日召开会议") is None
    assert signature_issuer("正文。\n中共連州市民政局黨組(代章)\n2025年1月7日") == "中共連州市民政局黨組"
    assert title_issuer("关于做好工作的通知") is None
    assert title_issuer("国务院关于做好工作的通知") == "国务院"


def test_meta_source_naming_the_site_itself_is_not_a_source():
    head = '<meta name="SiteName" content="某某市人民政府网"><meta name="ContentSource" content="{}">'
    body = f"<h1>{TITLE}</h1><div class='TRS_Editor'>{PARA}</div>"
    own = _page(f"<html><head>{head.format('某某市人民政府网')}</head><body>{body}</body></html>")
    other = _page(f"<html><head>{head.format('某某日报')}</head><body>{body}</body></html>")
    assert own.source is None and other.source == "某某日报"


def test_attachment_only_document_is_a_detail():
    html = """<html><body><table><tr><td>索引号</td><td>X/2024-00002</td><td>发布日期</td><td>2024-03-05</td></tr></table>
    <h1>某某市2023年部门决算公开</h1><div class="TRS_Editor"><a href="./P020240305.pdf">2023年部门决算.pdf</a>
    </div></body></html>"""
    page = _page(html)
    assert page.page_type == "detail"
    assert page.attachments[0]["url"].endswith("P020240305.pdf")


def test_small_paginated_list_is_a_list():
    html = """<html><body><h2>法律法规</h2><ul class="list">
    <li><a href="./202401/t20240105_1.html">某某市社会救助办法</a><span>2024-01-05</span></li>
    <li><a href="./202312/t20231201_2.html">某某市殡葬管理办法</a><span>2023-12-01</span></li></ul>
    <div class="page"><script>createPageHTML(1, 0, "index", "html");</script></div></body></html>"""
    page = _page(html, "http://example.gov.cn/zcfg/")
    assert page.page_type == "list"
    assert page.items[0] == {
        "title": "某某市社会救助办法",
        "url": "http://example.gov.cn/zcfg/202401/t20240105_1.html",
        "date": "2024-01-05",
    }


@pytest.mark.parametrize(
    "message",
    ["该信息已删除", "该文件已撤销", "此信息已失效", "页面不存在", "對不起，您訪問的頁面不存在"],
)
def test_soft_404_messages(message):
    page = _page(f"<html><head><title>提示</title></head><body><div class='box'><h3>{message}</h3>"
                 "<a href='/'>返回首页</a></div></body></html>")  # fmt: skip
    assert (page.page_type, page.other_reason) == ("other", "soft_404")


@pytest.mark.parametrize(
    "head",
    [
        "<meta http-equiv='refresh' content='0; url=/'>",
        "<meta http-equiv='Refresh' content=\"3;URL='http://www.example.gov.cn/index.html'\">",
        "<script>window.location.href = '/';</script>",
        "<script>location.replace('http://www.example.gov.cn/')</script>",
    ],
)
def test_redirect_to_the_home_page_is_a_soft_404(head):
    page = _page(f"<html><head>{head}</head><body><p>正在跳转</p></body></html>")
    assert (page.page_type, page.other_reason) == ("other", "soft_404")


def test_spa_shell_with_templates_and_no_rendered_text():
    html = """<html><head><title>数据查询</title></head><body><div id="app" v-cloak>
    <ul><li v-for="item in list">{{item.itemName}}</li></ul><p>{{item.text}}</p><span>{{item.en}}</span></div>
    <script src="/js/vue.min.js"></script></body></html>"""
    page = _page(html)
    assert (page.page_type, page.other_reason) == ("other", "spa_shell")
    assert page.title is None and page.body == ""


RELATED = "".join(
    f'<li><a href="/a/{i}.html">某某市民政局开展第{i}次专项检查工作</a><span>2024-01-0{i}</span></li>'
    for i in range(1, 8)
)
SHORT = "<p>根据工作安排，现将2024年第一季度低保资金发放情况予以公示，公示期为七天。如有异议，请与市民政局联系。</p>"


@pytest.mark.parametrize("container", ["TRS_Editor", "content", "wrap"])
def test_short_document_beside_a_related_list_is_a_detail(container):
    html = f"""<html><head><title>低保资金发放情况公示_某某市民政局</title></head><body>
    <h1>低保资金发放情况公示</h1><div class="{container}">{SHORT}<p>某某市民政局</p><p>2024年3月5日</p></div>
    <div class="side"><h3>相关信息</h3><ul>{RELATED}</ul></div></body></html>"""
    page = _page(html)
    assert page.page_type == "detail"
    assert page.body.startswith("根据工作安排") and page.body.endswith("2024年3月5日")


def test_short_notice_that_mentions_invalid_documents_is_a_detail():
    html = """<html><body><div>发布时间：2024-03-05</div><h1>关于部分规范性文件已失效的公告</h1>
    <div class="TRS_Editor"><p>经清理，以下规范性文件已失效。</p><p>1.《某某市殡葬管理办法》</p></div></body></html>"""
    assert _page(html).page_type == "detail"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("您的请求带有不合法参数，已被网站管理员设置拦截！", "waf_block"),
        ("403 Forbidden", "waf_block"),
        ("请完成安全验证后继续访问", "captcha"),
    ],
)
def test_firewall_and_captcha_pages(text, reason):
    page = _page(
        f"<html><head><title>网站防护</title></head><body><h1>{text}</h1><p>{text}</p></body></html>"
    )
    assert (page.page_type, page.other_reason) == ("other", reason)


def test_soft_404_inside_full_site_chrome():
    nav = "".join(f"<li><a href='/c{i}/'>栏目名称第{i}个政务公开专栏</a></li>" for i in range(120))
    html = f"""<html><head><title>某某市人民政府</title></head><body><ul class="nav">{nav}</ul>
    <div class="content"><p>对不起，您访问的信息已删除！</p></div><div class="footer">版权所有 某某市人民政府</div></body></html>"""
    page = _page(html)
    assert (page.page_type, page.other_reason) == ("other", "soft_404")


def test_list_built_of_div_items():
    items = "".join(
        f'<div class="item"><div class="t"><a href="./2024/{i}.html">某某市民政局关于第{i}批项目的公示</a></div>'
        f'<div class="d">2024-01-{i:02d}</div></div>'
        for i in range(1, 9)
    )
    html = f"<html><head><title>通知公告</title></head><body><div class='list'>{items}</div></body></html>"
    page = _page(html, "http://example.gov.cn/tzgg/")
    assert page.page_type == "list" and len(page.items) == 8
    assert page.items[0] == {
        "title": "某某市民政局关于第1批项目的公示",
        "url": "http://example.gov.cn/tzgg/2024/1.html",
        "date": "2024-01-01",
    }


@pytest.mark.parametrize(
    ("page_title", "headings"),
    [
        ("某某市人民政府", "<h1>关于做好民政工作的通知</h1>"),
        ("某某市人民政府门户网站", "<div class='article-title'>关于做好民政工作的通知</div>"),
        ("政务公开", "<div class='side'><h3>相关新闻</h3></div><h2 class='bt'>关于做好民政工作的通知</h2>"),
    ],
)
def test_title_when_the_page_title_only_names_the_site(page_title, headings):
    html = f"""<html><head><title>{page_title}</title><meta name="SiteName" content="某某市人民政府"></head>
    <body>{headings}<div class="TRS_Editor">{PARA}</div><div><h3>相关文件推荐阅读</h3></div></body></html>"""
    assert _page(html).title == "关于做好民政工作的通知"


def test_signature_kept_after_a_region_found_by_density():
    nav = "".join(f"<li><a href='/c{i}/'>栏目{i}</a></li>" for i in range(30))
    paras = "".join(
        f"<p>第{i}条 为进一步规范行政执法行为，提高依法行政水平，根据有关法律法规，结合本地实际，制定本项规定。</p>"
        for i in range(1, 9)
    )
    html = f"""<html><head><title>关于印发某某办法的通知_某某市</title></head><body><ul>{nav}</ul>
    <div class="main"><h1>关于印发某某办法的通知</h1><div class="wrap">{paras}<p>某某市人民政府办公室</p>
    <p>2024年3月5日</p></div></div><div class="foot">版权所有 某某市人民政府</div></body></html>"""
    page = _page(html)
    assert page.body.startswith("第1条") and page.body.endswith("某某市人民政府办公室\n\n2024年3月5日")
    assert "版权所有" not in page.body and "栏目" not in page.body


def test_links_resolve_against_base_href():
    items = "".join(
        f'<li><a href="art/{i}.html">某某市民政局第{i}号公告</a><span>2024-01-0{i}</span></li>'
        for i in range(1, 7)
    )
    html = f"""<html><head><base href="http://www.example.gov.cn/col/"></head><body><ul>{items}</ul></body></html>"""
    page = _page(html, "http://www.example.gov.cn/module/jpage/dataproxy.jsp")
    assert page.page_type == "list"
    assert page.items[0]["url"] == "http://www.example.gov.cn/col/art/1.html"


def test_label_value_cells_with_empty_values():
    """Cells holding their own "label: value", some empty (晋中's layout): an empty one stays empty and
    never takes the next cell's text."""
    html = f"""<html><head><title>某某市民政局2021年法治政府建设情况报告</title></head><body>
    <table><tr><td>索引号: jz-mzj-2022-00068</td><td>发布机构:</td></tr>
    <tr><td>生效日期: 2022-03-07</td><td>废止日期:</td></tr><tr><td>文 号:</td><td>所属主题: 计划总结</td></tr></table>
    <h1>某某市民政局2021年法治政府建设情况报告</h1><div>来源: 发布时间:2022-03-07 浏览次数: 【字体:大 中 小】</div>
    <div class="content">{PARA}</div></body></html>"""
    page = _page(html)
    assert (page.index_no, page.topic, page.publish_date) == ("jz-mzj-2022-00068", "计划总结", "2022-03-07")
    assert page.issuer is None and page.doc_number is None and page.abolish_date is None
    assert page.source is None


@pytest.mark.parametrize(
    "line",
    [
        "pdf下载 word下载",
        "【PDF下载】 【Word下载】",
        "上一页 1 2 3 下一页",
        "首页 上一页 2 下一页 尾页 共5页",
        "扫一扫在手机打开当前页",
    ],
)
def test_download_buttons_article_pagers_and_qr_captions_are_chrome(line: str) -> None:
    assert is_chrome_line(line)


@pytest.mark.parametrize("line", ["2023", "第3页", "首页公示的名单如下：", "下一页所列单位请于5日内报送材料"])
def test_numbers_and_sentences_with_pager_words_are_not_chrome(line: str) -> None:
    assert not is_chrome_line(line)


def test_title_repeated_over_several_paragraphs_is_not_body():
    """A 公文's content container may repeat its title in centred lines, one block per line, before the
    文号 (held-out page h01): the lines that spell the title exactly are dropped, and only those."""
    title = "某某省人民政府关于禁止在某某工程建设征占地范围内新增建设项目的通告"
    html = f"""<html><body><table><tr><td>发文字号：</td><td>某政明电〔2022〕1号</td></tr></table>
    <h1>{title}</h1><div class="TRS_Editor">
    <div>某某省人民政府关于禁止在</div><div>某某工程建设征占地范围内</div><div>新增建设项目的通告</div>
    <div>某政明电〔2022〕1号</div>{PARA}</div></body></html>"""
    assert _page(html).body.startswith("某政明电〔2022〕1号")
    near = f"""<html><body><h1>{title}</h1><div class="TRS_Editor">
    <div>某某省人民政府关于禁止在</div><div>某某工程建设的补充说明</div>{PARA}</div></body></html>"""
    assert _page(near).body.startswith("某某省人民政府关于禁止在")


def _commented_rows(n: int) -> str:
    return "".join(
        f'<li><a href="./2024{m:02d}/t2024{m:02d}05_{m}.html" title="某某县民政局关于第{m}批救助资金发放情况的公示">'
        f"某某县民政局关于第{m}批救助资金发放...</a><span>2024-{m:02d}-05</span></li>"
        for m in range(12, 12 - n, -1)
    )


def test_list_rows_inside_an_html_comment_make_a_list():
    """A column whose rows sit in `<!-- -->` for a script to lift out is a list, not a short document
    made of its sidebar text; titles come from `@title` where the link text is cut."""
    intro = "<p>本栏目发布民政工作有关通知公告和政策文件，欢迎社会各界监督。</p>" * 3
    html = f"""<html><head><title>通知公告_某某县民政局</title></head><body>
    <div class="main"><h2>通知公告</h2><ul class="list"><!--{_commented_rows(10)}--></ul>
    <div id="pages"></div><script>pageList('list', 10)</script></div><div class="intro">{intro}</div>
    </body></html>"""
    page = _page(html, "http://example.gov.cn/zwgk/tzgg/index.html")
    assert page.page_type == "list" and len(page.items) == 10
    assert page.items[0] == {
        "title": "某某县民政局关于第12批救助资金发放情况的公示",
        "url": "http://example.gov.cn/zwgk/tzgg/202412/t20241205_12.html",
        "date": "2024-12-05",
    }


def test_commented_out_rows_leave_a_labelled_document_a_document():
    html = f"""<html><body><table><tr><td>索引号：</td><td>A01/2024-00001</td></tr></table>
    <h1>{TITLE}</h1><div class="TRS_Editor"><p>根据有关规定，现将有关事项通知如下。</p></div>
    <ul class="related"><!--{_commented_rows(6)}--></ul></body></html>"""
    page = _page(html)
    assert page.page_type == "detail" and page.index_no == "A01/2024-00001"
