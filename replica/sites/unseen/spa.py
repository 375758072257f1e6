"""A column page that is an empty shell; a script file of its own fetches the list from a JSON endpoint."""

from replica.sites.unseen import unseen_site

SITE = unseen_site(
    "spa", "mzj.baishui.gov.cn", "白水县民政局", "白水县", (61, 62, 63, 64),
    page_size=10, id_base=4_400_000, index_format="BS{year}-{seq:05d}",
)  # fmt: skip
