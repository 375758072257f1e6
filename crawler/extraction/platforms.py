"""Extraction hints for the CMS platforms the project's spiders know."""

from __future__ import annotations

from crawler.extraction.hints import ExtractionHints

TRS_WCM_HINTS = ExtractionHints(
    content_xpaths=(
        '//div[contains(@class,"trs_paper_default")]',
        '//div[contains(@class,"TRS_UEDITOR")]',
        '//div[contains(@class,"TRS_Editor")]',
    ),
    metadata_xpaths=('//div[@class="Article_xx"]//table', '//table[contains(@class,"xxgk_table")]'),
    title_xpaths=('//meta[@name="ArticleTitle"]/@content',),
    list_item_xpaths=('//div[@class="zfxxgk_zdgkc"]//ul/li', '//div[@class="NewsList"]//ul/li'),
    chrome_strings=("分享到", "打印", "关闭", "字体:[大 中 小]", "字体：[大 中 小]", "【打印】", "【关闭】"),
)

# Guangdong 集约化 platform: NFCMS post pages (div.news_cont_d_wrap) and gkmlpt details (8-label table,
# div.article-content); chrome in traditional characters on 连州's pages.
GKMLPT_HINTS = ExtractionHints(
    content_xpaths=(
        '//div[contains(@class,"news_cont_d_wrap")]',
        '//div[contains(@class,"article-content")]',
        '//div[contains(@class,"tyxxy_main")]',
    ),
    metadata_xpaths=('//div[@class="introduce"]//table', '//table[contains(@class,"gk-table")]'),
    title_xpaths=('//meta[@name="ArticleTitle"]/@content',),
    list_item_xpaths=('//ul[contains(@class,"news_list")]/li',),
    chrome_strings=(
        "分享到",
        "字體大小",
        "字体大小",
        "瀏覽次數",
        "打印本頁",
        "關閉窗口",
        "【打印本頁】",
        "【關閉窗口】",
    ),
)

# 晋中 sxjz.gov.cn group: label block in li/span pairs (`文 号` with a space), body in div.conTxt.
SXJZ_HINTS = ExtractionHints(
    content_xpaths=('//div[contains(@class,"conTxt")]',),
    metadata_xpaths=('//div[contains(@class,"xxgk-info")]',),
    title_xpaths=('//meta[@name="ArticleTitle"]/@content',),
    list_item_xpaths=('//ul[contains(@class,"list")]/li',),
    chrome_strings=("【打印正文】", "打印正文", "【字体:", "用户登录", "全文检索"),
)

# 安康 Node-/Content- group: the 信息公开 table, body in div.xqCent (hbj) or #fontzoom (www).
ANKANG_HINTS = ExtractionHints(
    content_xpaths=('//div[contains(@class,"xqCent")]', '//div[@id="fontzoom"]'),
    metadata_xpaths=('//table[contains(@class,"xxgk_table")]',),
    title_xpaths=('//meta[@name="ArticleTitle"]/@content',),
    list_item_xpaths=('//ul[@class="newlist"]/li',),
    chrome_strings=("【打印本页】", "【关闭窗口】", "分享到", "打印本页", "关闭窗口"),
)
