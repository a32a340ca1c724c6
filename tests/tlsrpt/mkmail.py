#!/usr/bin/python3
"""mkmail.py STYLE REPORT.json OUT.eml: a TLS-RPT report mail (RFC 8460
section 5.3) shaped like the ones real reporters send, for the mail intake
tests.  STYLE:
  google     multipart/report, application/tlsrpt+gzip attachment named
             google.com!DOMAIN!START!END.json.gz, base64
  microsoft  multipart/report, application/tlsrpt+gzip attachment named
             enterprise.protection.outlook.com!DOMAIN!START!END.json.gz,
             inside a multipart/mixed, quoted headers as Exchange writes
  json       a plain .json attachment (application/json), as some smaller
             reporters send
  noreport   multipart/mixed with only a text part and a PDF
"""
import calendar
import gzip
import json
import sys
import time
from email.message import EmailMessage
from email.policy import SMTP


def epoch(s):
    return calendar.timegm(time.strptime(s, "%Y-%m-%dT%H:%M:%SZ"))


def main():
    style, path, out = sys.argv[1:4]
    raw = open(path, "rb").read()
    rpt = json.loads(raw)
    dom = rpt["policies"][0]["policy"]["policy-domain"]
    start = epoch(rpt["date-range"]["start-datetime"])
    end = epoch(rpt["date-range"]["end-datetime"])
    m = EmailMessage(policy=SMTP)
    m["To"] = "tlsrpt@" + dom
    m["TLS-Report-Domain"] = dom
    m["MIME-Version"] = "1.0"
    body = "This is an aggregate TLS report.\n"
    if style == "google":
        m["From"] = "noreply-smtp-tls-reporting@google.com"
        m["Subject"] = ("Report Domain: %s Submitter: google.com "
                        "Report-ID: <%s>" % (dom, rpt["report-id"]))
        m["TLS-Report-Submitter"] = "google.com"
        name = "google.com!%s!%d!%d.json.gz" % (dom, start, end)
    elif style == "microsoft":
        m["From"] = "tlsrpt-noreply@microsoft.com"
        m["Subject"] = ("[TLSRPT] Report Domain: %s Submitter: microsoft.com"
                        " Report-ID: <%s>" % (dom, rpt["report-id"]))
        m["TLS-Report-Submitter"] = "microsoft.com"
        name = ("enterprise.protection.outlook.com!%s!%d!%d.json.gz" %
                (dom, start, end))
    else:
        m["From"] = "reports@small-reporter.example"
        m["Subject"] = "TLS report for " + dom
        m["TLS-Report-Submitter"] = "small-reporter.example"
        name = "small-reporter.example!%s!%d!%d.json" % (dom, start, end)
    m.set_content(body)
    if style in ("google", "microsoft"):
        m.add_attachment(gzip.compress(raw, mtime=0), maintype="application",
                         subtype="tlsrpt+gzip", filename=name)
        m.replace_header("Content-Type", m["Content-Type"].replace(
            "multipart/mixed", "multipart/report"))
        m.set_param("report-type", "tlsrpt")
        if style == "microsoft":
            # The multipart/report inside a multipart/mixed, the report
            # part with an RFC 2231 continued file name.
            outer = EmailMessage(policy=SMTP)
            for k in ("From", "To", "Subject", "TLS-Report-Domain",
                      "TLS-Report-Submitter", "MIME-Version"):
                outer[k] = m[k]
            outer.set_content("See the attached report.\n")
            inner = EmailMessage(policy=SMTP)
            inner.set_content(body)
            inner.add_attachment(gzip.compress(raw, mtime=0),
                                 maintype="application",
                                 subtype="tlsrpt+gzip", filename=name)
            inner.replace_header("Content-Type", inner["Content-Type"].replace(
                "multipart/mixed", "multipart/report"))
            inner.set_param("report-type", "tlsrpt")
            outer.make_mixed()
            outer.attach(inner)
            m = outer
    elif style == "json":
        m.add_attachment(raw, maintype="application", subtype="json",
                         filename=name)
    else:
        m.add_attachment(b"%PDF-1.4\n%\xe2\xe3\n", maintype="application",
                         subtype="pdf", filename="invoice.pdf")
    with open(out, "wb") as f:
        f.write(m.as_bytes())


main()
