"""Small blocks a page's own stylesheet hides (dialogs, tips) stay out of the body, as blocks hidden by a
style attribute do; a rule under @media, and a rule hiding the content until a script shows it, do not."""

from __future__ import annotations

from crawler.extraction import parse_page
from crawler.extraction.stylesheet import hiding_selectors
from tests.pages import BODY, URL, page_html

PRINT_COPY = '<div class="printcopy"><p>打印版正文副本：各县区民政局，此段只在打印时出现。</p></div>'


def with_style(css: str, extra: str = "") -> bytes:
    page = page_html(BODY, 1).decode()
    page = page.replace("</head>", f"<style>{css}</style></head>")
    return page.replace('trs_web">', f'trs_web">{extra}').encode()  # inside the content region


def test_selectors_that_hide_are_found_by_a_css_parser() -> None:
    css = """/* 打印 */ .printcopy, #bigfont { display : NONE !important }
    .menu { display: block } .tip { visibility: hidden; color: red }
    @media print { .toolbar { display: none } }
    a:hover { display: none }"""
    assert hiding_selectors(css) == [".printcopy", "#bigfont", ".tip", "a:hover"]


def test_a_block_the_stylesheet_hides_is_not_body_text() -> None:
    clean = parse_page(page_html(BODY, 1), URL)
    hidden = parse_page(with_style(".printcopy{display:none}", PRINT_COPY), URL)
    assert hidden.page_type == "detail" and hidden.body == clean.body
    shown = parse_page(with_style(".other{display:none}", PRINT_COPY), URL)
    assert "打印版正文副本" in shown.body  # the control: the same block, not hidden, is read


def test_media_rules_and_pseudo_classes_hide_nothing() -> None:
    page = parse_page(
        with_style("@media print{.printcopy{display:none}} .printcopy:hover{display:none}", PRINT_COPY), URL
    )
    assert "打印版正文副本" in page.body


def test_a_rule_hiding_the_content_is_a_script_reveal_not_a_hide() -> None:
    """Two of the corpus's real pages hide `.content, .footer` until a script runs."""
    clean = parse_page(page_html(BODY, 1), URL)
    for css in ("body{display:none}", ".trs_web, .footer {display:none}", "html{display:none}"):
        page = parse_page(with_style(css), URL)
        assert page.page_type == "detail" and page.body == clean.body, css


def test_a_large_template_sheet_gives_the_same_selectors_as_parsing_it_whole() -> None:
    """A large sheet is cut into its top-level rules before tinycss2 sees it (speed: a Hanweb template
    inlines thousands of rules); braces inside comments and strings, and rules under @media, must not
    change what is found."""
    filler = "".join(f".c{i} {{ color: #{i % 999:03d}; margin: {i}px }}\n" for i in range(2000))
    css = (
        filler
        + '/* } .fake { display: none } { */ .tip { content: "}"; display: none }\n'
        + "@media print { .toolbar { display: none } .x { color: red } }\n"
        + filler
        + ".login-box, #share { visibility: hidden }"
    )
    assert len(css) > 20_000
    assert hiding_selectors(css) == [".tip", ".login-box", "#share"]
