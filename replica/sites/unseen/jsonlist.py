"""Lists built in the browser from a JSON endpoint named in the page's script; no items in the HTML."""

from replica.sites.unseen import unseen_site

SITE = unseen_site(
    "jsonlist", "mzj.qingxi.gov.cn", "青溪县民政局", "青溪县", (801, 802, 803, 804),
    page_size=10, id_base=5_100_000, index_format="QX{year}-{seq:04d}",
)  # fmt: skip
