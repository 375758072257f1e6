"""An ASP.NET list (`list.aspx?cid=N&page=K`), GBK with the charset only in the page's <meta>."""

from replica.sites.unseen import unseen_site

SITE = unseen_site(
    "aspnet", "mzj.yuxian.gov.cn", "玉县民政局", "玉县", (12, 13, 14, 15),
    charset="gbk", charset_in_header=False, page_size=12, id_base=310_000, index_format="YX-{year}-{seq:05d}",
)  # fmt: skip
