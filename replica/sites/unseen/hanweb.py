"""大汉 Hanweb jpage columns: records in a <datastore> block, more from dataproxy.jsp."""

from replica.sites.unseen import unseen_site

SITE = unseen_site(
    "hanweb", "mzj.heshan.gov.cn", "鹤山市民政局", "鹤山市", (40501, 40502, 40503, 40504),
    charset="gb2312", charset_in_header=False, page_size=15, id_base=7_400_000,
    index_format="11440784MB2C{year}{seq:05d}",
)  # fmt: skip
