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
