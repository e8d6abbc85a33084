"""Render the sample directory's pages in the amta-style format.

Pure functions from a `SampleDirectory` (plus the request's query and the
site's base URL, for absolute links) to text: results pages, profiles, the
JSON API, robots.txt and a few plain pages. All text goes through `esc`; a
therapist whose layout says so gets its non-ASCII written as entities
(`Mar&iacute;a`, `&ndash;`), as many real sites do.
"""

from __future__ import annotations

import html
import math
from html.entities import codepoint2name
from typing import Any
from urllib.parse import urlencode

from .generator import PAGE_SIZE, SampleDirectory

SEARCH_PATH = "/find-massage-therapist/"
SITE_TITLE = "Find a Massage Therapist"

ROBOTS_TXT = "User-agent: *\nDisallow: /members/\n"


def esc(text: str, entities: bool = False) -> str:
    """HTML-escape `text`; with `entities`, non-ASCII too (&iacute;, &#7877;)."""
    out = html.escape(text, quote=True)
    if entities:
        out = "".join(
            c if ord(c) < 128 else f"&{codepoint2name[ord(c)]};" if ord(c) in codepoint2name else f"&#{ord(c)};"
            for c in out
        )
    return out


def search_url(location: str, keyword: str, page: int) -> str:
    return f"{SEARCH_PATH}?{urlencode({'location': location, 'keyword': keyword, 'page': page})}"


def _document(title: str, body: str, head: str = "") -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n  <meta charset="utf-8">\n'
        f"  <title>{title}</title>\n{head}</head>\n<body>\n"
        '<header class="amta-header"><a href="/">Home</a> '
        f'<a href="{SEARCH_PATH}">{SITE_TITLE}</a> '
        '<a class="amta-member-login" href="/members/login">Member Login</a></header>\n'
        f"{body}</body>\n</html>\n"
    )


def _link(truth: dict[str, Any], layout: dict[str, Any], base_url: str) -> str:
    return (base_url if layout["result_absolute"] else "") + truth["url_path"]


def _with_creds(truth: dict[str, Any], shown: bool) -> str:
    creds = truth["credentials"]
    return truth["name"] + (", " + ", ".join(creds) if shown and creds else "")


def _result_item(truth: dict[str, Any], layout: dict[str, Any], base_url: str) -> str:
    e = layout["entities"]
    title = esc(_with_creds(truth, layout["result_title_creds"]), e)
    lines = [f'      <h3 class="find-a-mr-results-list-item-title"><a href="{esc(_link(truth, layout, base_url))}">{title}</a></h3>']
    if layout["result_address"]:
        ps = []
        if layout["result_business"] and truth["business"]:
            ps.append(truth["business"])
        if truth["street"]:
            ps.append(truth["street"])
        ps.append(layout["address_lines"][-1])
        lines.append('      <div class="find-a-mr-results-list-item-address">')
        lines.extend(f"        <p>{esc(p, e)}</p>" for p in ps)
        lines.append("      </div>")
    if layout["result_techniques"]:
        techs = ", ".join(truth["techniques_raw"][:4])
        lines.append(f'      <p class="find-a-mr-results-list-item-techniques">{esc(techs, e)}</p>')
    return '    <li class="find-a-mr-results-list-item">\n' + "\n".join(lines) + "\n    </li>\n"


def results_page(directory: SampleDirectory, location: str, keyword: str, page: int, base_url: str) -> str:
    """One page of search results, 10 items, with Previous/Next Page links."""
    entries = directory.entries(location, keyword)
    total = len(entries)
    last_page = max(1, math.ceil(total / PAGE_SIZE))
    start = (page - 1) * PAGE_SIZE
    shown = entries[start:start + PAGE_SIZE]
    near = f" near {esc(location)}" if location.strip() else ""
    if shown:
        count = f"Showing {start + 1}&ndash;{start + len(shown)} of {total} massage therapists{near}"
    else:
        count = f"No massage therapists found{near}"
    items = "".join(_result_item(*directory.profile(i), base_url) for i in shown)
    nav = ['  <nav class="pagination" aria-label="Results pages">']
    if page > 1:
        prev_href = esc(search_url(location, keyword, min(page - 1, last_page)))
        nav.append(f'    <a class="pagination-arrows-item" rel="prev" href="{prev_href}">Previous Page</a>')
    nav.append(f'    <span class="pagination-current">{page}</span>')
    if page < last_page:
        next_href = esc(search_url(location, keyword, page + 1))
        nav.append(f'    <a class="pagination-arrows-item" rel="next" href="{next_href}">Next Page</a>')
    nav.append("  </nav>\n")
    body = (
        '<main class="find-a-mr">\n'
        f'  <form id="find-a-mr-form" action="{SEARCH_PATH}" method="get">\n'
        f'    <input id="keyword" name="keyword" value="{esc(keyword)}">\n'
        f'    <input id="location" name="location" value="{esc(location)}">\n'
        '    <button class="btn-primary" type="submit">Search</button>\n  </form>\n\n'
        f'  <p class="find-a-mr-results-count">{count}</p>\n\n'
        f'  <ul class="find-a-mr-results-list">\n{items}  </ul>\n\n'
        + "\n".join(nav) + "</main>\n"
    )
    head = f'  <link rel="canonical" href="{esc(search_url(location, keyword, page))}">\n'
    return _document(f"{SITE_TITLE} | Results", body, head)


def _contact(truth: dict[str, Any], layout: dict[str, Any]) -> list[str]:
    e = layout["entities"]
    span = '<span class="amta-text-bold">{}:</span>' if layout["label_class"] else "<span>{}:</span>"
    pairs = []
    if truth["business"]:
        pairs.append(("Business", esc(truth["business"], e)))
    sep = "<br>" if layout["address_br"] else ", "
    pairs.append(("Address", sep.join(esc(line, e) for line in layout["address_lines"])))
    if truth["phone_display"]:
        shown = esc(truth["phone_display"])
        if layout["phone_link"]:
            tel = truth["phone"] if layout["tel_e164"] else truth["phone_display"].replace(" ", "")
            shown = f'<a href="tel:{esc(tel)}">{shown}</a>'
        pairs.append(("Phone", shown))
    if truth["website"]:
        href = truth["website"]
        bare = href.split("://", 1)[1].removeprefix("www.").rstrip("/")
        text = {"bare": bare, "www": "www." + bare, "href": href}[layout["website_text"]]
        pairs.append(("Website", f'<a href="{esc(href)}">{esc(text)}</a>'))
    if truth["email"]:
        mail = esc(truth["email"])
        pairs.append(("Email", f'<a href="mailto:{mail}">{mail}</a>' if layout["email_link"] else mail))
    if truth["license"]:
        pairs.append(("License", esc(truth["license"], e)))
    return [f"<p>{span.format(label)} {value}</p>" for label, value in pairs]


def _section(field: str, heading: str, as_list: bool, truth: dict[str, Any], e: bool) -> str:
    css = {"bio": "famt-section famt-about", "hours": "famt-section famt-hours"}.get(field, "famt-section")
    if field == "bio":
        bio = esc(truth["bio"], e)
        content = f"    <p>{bio}</p>"
    elif field == "hours":
        rows = []
        for line in truth["hours"]:
            day, _, when = line.partition(": ")
            rows.append(f"      <tr><th>{day}</th><td>{esc(when, e)}</td></tr>")
        content = "    <table>\n" + "\n".join(rows) + "\n    </table>"
    elif field in ("gender", "accepting"):
        raw = truth["gender_raw"] if field == "gender" else truth["accepting_new_clients_raw"]
        content = f"    <p>{esc(raw, e)}</p>"
    else:
        values = truth[{"techniques": "techniques_raw", "insurance": "insurance_raw"}.get(field, field)]
        if as_list:
            content = "    <ul>\n" + "\n".join(f"      <li>{esc(v, e)}</li>" for v in values) + "\n    </ul>"
        else:
            content = f"    <p>{esc(', '.join(values), e)}</p>"
    return f'  <section class="{css}">\n    <h2>{esc(heading)}</h2>\n{content}\n  </section>\n'


def profile_page(directory: SampleDirectory, index: int) -> str:
    """The public profile of therapist `index` (callers 404 hidden ones)."""
    truth, layout = directory.profile(index)
    e = layout["entities"]
    creds = truth["credentials"]
    place = layout["cred_place"]
    suffix = {"suffix": creds, "both": creds[:1]}.get(place, [])
    first, _, last = truth["name"].partition(" ")
    sp = layout["h1_space"]
    h1 = sp + esc(first, e) + layout["h1_inner"] + esc(last, e) + esc("".join(", " + c for c in suffix)) + sp
    parts = [f'  <h1 class="adage-heading-title">{h1}</h1>\n']
    if place in ("line", "both"):
        parts.append(f'  <p class="famt-credentials">{", ".join(creds)}</p>\n')
    contact = _contact(truth, layout)
    if layout["sparse"]:
        parts.append('  <div class="amta-flex-grow-5 amta-padding-bottom-1">\n')
        parts.extend(f"    {p}\n" for p in contact)
        parts.append("  </div>\n")
    else:
        parts.append('\n  <div class="amta-flex amta-flex-wrap">\n    <div class="amta-flex-grow-5 amta-padding-bottom-1">\n')
        parts.extend(f"      {p}\n" for p in contact)
        parts.append("    </div>\n  </div>\n\n")
    for field, heading, as_list in layout["sections"]:
        section = _section(field, heading, as_list, truth, e)
        if field == "bio" and layout["bio_wrap"]:
            section = section.replace(". ", ".\n       ")
        parts.append(section)
    if truth["profile_updated_raw"]:
        parts.append(f'\n  <p class="famt-updated">{esc(layout["updated_prefix"] + truth["profile_updated_raw"])}</p>\n')
    title = esc(_with_creds(truth, True), e)
    return _document(f"{title} | {SITE_TITLE}", '<main class="famt-profile">\n' + "".join(parts) + "</main>\n")


def api_page(directory: SampleDirectory, query: dict[str, Any], base_url: str) -> dict[str, Any]:
    """The JSON API's answer to a getMassageResources body."""
    try:
        page = max(1, int(query.get("CurrentPage") or 1))
    except (TypeError, ValueError):
        page = 1
    location, keyword = str(query.get("Location") or ""), str(query.get("Keyword") or "")
    entries = directory.entries(location, keyword)
    resources = []
    for i in entries[(page - 1) * PAGE_SIZE:page * PAGE_SIZE]:
        truth, layout = directory.profile(i)
        item: dict[str, Any] = {"resourceName": _with_creds(truth, layout["api_name_creds"])}
        if truth["business"] and layout["api_business"]:
            item["businessName"] = truth["business"]
        item.update(officeAddressLine1=truth["street"] or "", city=truth["city"], state=truth["state"])
        if layout["api_zip"]:
            item["zip"] = truth["zip"] or ""
        item["urlToDetailsPage"] = _link(truth, layout, base_url)
        resources.append(item)
    return {"totalCount": len(entries), "currentPage": page, "pageSize": PAGE_SIZE, "massageResources": resources}


def home_page() -> str:
    body = (
        '<main class="amta-home">\n  <h1>Massage therapists near you</h1>\n'
        f'  <p><a class="btn-primary" href="{esc(search_url("", "", 1))}">{SITE_TITLE}</a></p>\n</main>\n'
    )
    return _document(SITE_TITLE, body)


def members_page(login: bool) -> str:
    if login:
        body = ('<main class="amta-login">\n  <h1>Member Login</h1>\n  <form method="post" action="/members/login">'
                '<input name="username"><input name="password" type="password"><button>Log in</button></form>\n</main>\n')
    else:
        body = '<main class="amta-login">\n  <h1>Members only</h1>\n  <p><a href="/members/login">Log in</a> to see this profile.</p>\n</main>\n'
    return _document(f"Member Login | {SITE_TITLE}", body)


def not_found_page(path: str) -> str:
    body = f'<main>\n  <h1>Page not found</h1>\n  <p>Nothing lives at {esc(path)}.</p>\n</main>\n'
    return _document(f"Not found | {SITE_TITLE}", body)
