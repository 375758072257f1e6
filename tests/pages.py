"""A small TRS WCM detail page whose content and volatile parts tests can vary."""

URL = "http://smzj.anshun.gov.cn/zwgk/zfxxgk/xxgkml/jhzj/202301/t20230105_100.html"


def page_html(body: str, counter: int, title: str = "安顺市民政局关于做好养老服务工作的通知") -> bytes:
    paragraphs = "".join(f"<p>{line}</p>" for line in body.split("\n"))
    return f"""<html><head><meta charset="utf-8"><title>{title}-安顺市民政局</title>
<meta name="ArticleTitle" content="{title}"><meta name="PubDate" content="2023-01-05 10:30"></head>
<body><div class="path"><a href="/">首页</a></div>
<div class="Article_xx"><table><tr><td>索引号：</td><td>000000000/2023-00001</td><td>有效性：</td><td>有效</td></tr>
<tr><td>发布机构：</td><td>安顺市民政局</td><td>成文日期：</td><td>2023-01-03</td></tr></table></div>
<h1>{title}</h1><div>发布时间: 2023-01-05 10:30 来源: 安顺市民政局 浏览次数: {counter} 字体:[大 中 小]</div>
<div class="view TRS_UEDITOR trs_paper_default trs_web">{paragraphs}</div>
<div>分享到: <a href="javascript:window.print()">打印</a> <a href="javascript:window.close()">关闭</a></div>
</body></html>""".encode()


BODY = (
    "各县区民政局：\n为进一步做好全市养老服务工作，切实保障老年人合法权益，现将有关事项通知如下。\n"
    "一、加强养老服务机构安全管理，落实安全生产责任制。\n二、完善居家社区养老服务网络。\n安顺市民政局\n2023年1月3日"
)
