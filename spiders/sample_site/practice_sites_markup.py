"""schema.org markup of the bundled practice sites, in the shapes real sites write it.

Pure string building for spiders.sample_site.practice_sites: JSON-LD (a
`@graph` joined by `@id`, one node, a top-level list of two businesses, a
malformed block), microdata and RDFa, with hours as
`openingHoursSpecification` items or `openingHours` strings, insurance as
`healthPlanNetworkId` or `paymentAccepted`, and `isAcceptingNewPatients` in
the spellings seen in the wild (`true`, `"True"`, `"yes"`). The values come
from the generator's `who` dicts; the markup never holds a value the truth
does not (the reference: shared/reference/schemaorg/README.md).
"""

from __future__ import annotations

import html
import json
import random
from typing import Any

DAY_NAMES = {"Mo": "Monday", "Tu": "Tuesday", "We": "Wednesday", "Th": "Thursday", "Fr": "Friday",
             "Sa": "Saturday", "Su": "Sunday"}
ORDER = tuple(DAY_NAMES)
STATE_NAMES = {"CT": "Connecticut", "MA": "Massachusetts", "NY": "New York", "NC": "North Carolina",
               "TX": "Texas", "WA": "Washington", "CA": "California", "PA": "Pennsylvania", "NJ": "New Jersey",
               "OR": "Oregon", "CO": "Colorado", "IL": "Illinois", "FL": "Florida", "GA": "Georgia"}
BUSINESS_TYPES = ("DaySpa", "HealthAndBeautyBusiness", "MassageTherapist", "Physiotherapy", "MedicalBusiness",
                  "LocalBusiness", ["DaySpa", "MedicalBusiness"], "https://schema.org/LocalBusiness", "localBusiness",
                  "MedicalClinic")
MICRODATA_TYPES = ("HealthAndBeautyBusiness", "DaySpa", "MassageTherapist", "LocalBusiness")
RDFA_TYPES = ("MedicalBusiness", "Physiotherapy", "LocalBusiness")


def _esc(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _groups(week: dict[str, Any]) -> list[tuple[list[str], Any]]:
    """Days with the same hours together, in the order of their first day."""
    out: list[tuple[list[str], Any]] = []
    for day in ORDER:
        if day not in week:
            continue
        for days, spans in out:
            if spans == week[day]:
                days.append(day)
                break
        else:
            out.append(([day], week[day]))
    return out


def _day_span(days: list[str]) -> str:
    """["Mo", "Tu", "We", "Fr"] -> "Mo-We,Fr"."""
    runs: list[list[str]] = []
    for day in days:
        if runs and ORDER.index(day) == ORDER.index(runs[-1][-1]) + 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    return ",".join(r[0] if len(r) == 1 else f"{r[0]}-{r[-1]}" for r in runs)


def _twelve(hhmm: str) -> str:
    hour, minute = map(int, hhmm.split(":"))
    hour %= 24
    suffix = "am" if hour < 12 else "pm"
    hour = hour % 12 or 12
    return f"{hour}{suffix}" if minute == 0 else f"{hour}:{minute:02d}{suffix}"


def opening_hours_text(week: dict[str, Any], rng: random.Random) -> list[str]:
    """`openingHours` strings: OSM-like ("Mo-Fr 09:00-17:00", "Su closed"), or now and then 12-hour times."""
    twelve = rng.random() < 0.3
    out = []
    for days, spans in _groups(week):
        if spans == "off":
            out.append(f"{_day_span(days)} closed")
        elif twelve:
            out.append(f"{_day_span(days)} " + ",".join(f"{_twelve(o)}-{_twelve(c)}" for o, c in spans))
        else:
            out.append(f"{_day_span(days)} " + ",".join(f"{o}-{c}" for o, c in spans))
    return out


def _clock(hhmm: str) -> str:
    hour, minute = map(int, hhmm.split(":"))
    return f"{hour % 12 or 12}:{minute:02d} {'AM' if hour % 24 < 12 else 'PM'}"


def opening_hours_specification(week: dict[str, Any], rng: random.Random) -> list[dict[str, Any]]:
    """One item per span and group of days; a closed day opens and closes at 00:00 (Google's form)."""
    prefix = rng.choice(("", "https://schema.org/", "http://schema.org/", "lower"))
    seconds, twelve = rng.random() < 0.3, rng.random() < 0.2
    items = []
    for days, spans in _groups(week):
        names = [DAY_NAMES[d].lower() if prefix == "lower" else prefix + DAY_NAMES[d] for d in days]
        for opens, closes in ([("00:00", "00:00")] if spans == "off" else spans):
            closes = "00:00" if closes == "24:00" else closes
            if twelve and spans != "off":  # "9:00 AM", as some builders write Time values
                opens, closes = _clock(opens), _clock(closes)
            elif seconds:
                opens, closes = opens + ":00", closes + ":00"
            items.append({"@type": "OpeningHoursSpecification", "dayOfWeek": names if len(names) > 1 else names[0],
                          "opens": opens, "closes": closes})
    return items


def _accepting(value: bool | None, rng: random.Random) -> Any:
    if value is None:
        return None
    return rng.choice((True, "true", "True", "Yes")) if value else rng.choice((False, "false", "No"))


def _address(who: dict[str, Any], rng: random.Random | None = None) -> Any:
    """A PostalAddress; with `rng`, now and then as plugins write it: the ZIP a number (its leading zero
    lost), the state spelled out, the country a Country node, or the whole address one line of text."""
    address: dict[str, Any] = {"@type": "PostalAddress", "streetAddress": who["street"],
                               "addressLocality": who["city"], "addressRegion": who["state"],
                               "postalCode": who["zip"], "addressCountry": "US"}
    if rng is None:
        return address
    roll = rng.random()
    if roll < 0.15:
        address["postalCode"] = int(who["zip"])
    elif roll < 0.3:
        address["addressRegion"] = STATE_NAMES.get(who["state"], who["state"])
    elif roll < 0.4:
        address["addressCountry"] = {"@type": "Country", "name": "US"}
    elif roll < 0.5:
        return f"{who['street']}, {who['city']}, {who['state']} {who['zip']}"
    return address


def business_node(who: dict[str, Any], week: dict[str, Any], rng: random.Random, node_id: str | None = None,
                  name: str | None = None) -> dict[str, Any]:
    node: dict[str, Any] = {"@type": rng.choice(BUSINESS_TYPES)}
    if node_id:
        node["@id"] = node_id
    node["name"] = name or who["business"] or who["name"]
    node["telephone"] = who["phone_text"]  # "tel:+1..." too, as some plugins write it
    node["address"] = _address(who, rng)
    if week:
        if rng.random() < 0.6:
            node["openingHoursSpecification"] = opening_hours_specification(week, rng)
        else:
            texts = opening_hours_text(week, rng)
            node["openingHours"] = texts if len(texts) > 1 or rng.random() < 0.5 else texts[0]
    if who["insurance_raw"]:
        if rng.random() < 0.5:
            plans = list(who["insurance_raw"])
            node["healthPlanNetworkId"] = plans[0] if len(plans) == 1 else plans
        else:
            node["paymentAccepted"] = ", ".join(who["insurance_raw"])
    accepting = _accepting(who["accepting"], rng)
    if accepting is not None:
        node["isAcceptingNewPatients"] = accepting
    if who["techniques_raw"]:
        node["knowsAbout"] = list(who["techniques_raw"])
    node["priceRange"] = rng.choice(("$$", "$80-$150", "$$$"))
    return node


def _script(data: Any) -> str:
    return f'<script type="application/ld+json">\n{json.dumps(data, ensure_ascii=False, indent=2)}\n</script>'


def _person(who: dict[str, Any], node_id: str) -> dict[str, Any]:
    return {"@type": "Person", "@id": node_id, "name": who["name"], "jobTitle": "Licensed Massage Therapist",
            "hasCredential": [{"@type": "EducationalOccupationalCredential", "credentialCategory": "license",
                               "name": c} for c in who["credentials"]],
            "worksFor": {"@id": "#practice"}}


def markup(shape: str, who: dict[str, Any], week: dict[str, Any], rng: random.Random) -> str:
    """The structured data of a one-practice page in `shape` (graph, single, microdata, rdfa, malformed)."""
    if shape == "graph" and who["business"]:
        practice = business_node(who, week, rng, "#practice")
        practice["employee"] = {"@id": "#therapist"}
        return _script({"@context": "https://schema.org", "@graph": [practice, _person(who, "#therapist")]})
    if shape in ("graph", "single"):
        return _script({"@context": "https://schema.org", **business_node(who, week, rng)})
    if shape == "microdata":
        return microdata(who, week, rng)
    if shape == "rdfa":
        return rdfa(who, week, rng)
    if shape == "malformed":  # an SEO plugin's block cut short, and the theme's microdata beside it
        broken = ('<script type="application/ld+json">\n{"@context": "https://schema.org", "@type": '
                  f'"LocalBusiness", "name": {json.dumps(who["business"] or who["name"])},, "telephone": \n</script>')
        return broken + "\n" + microdata(who, week, rng)
    raise ValueError(f"unknown shape {shape!r}")


def two_businesses(first: dict[str, Any], second: dict[str, Any], week: dict[str, Any], rng: random.Random) -> str:
    """Two practices sharing a building, each its own JSON-LD node in one top-level list."""
    nodes = [business_node(first, week, rng), business_node(second, week, rng)]
    return _script([{"@context": "https://schema.org", **n} for n in nodes])


def nail_salon(who: dict[str, Any], rng: random.Random) -> str:
    """A nail salon next door: a LocalBusiness subtype, but not a listing."""
    return _script({"@context": "https://schema.org", "@type": "NailSalon", "name": f"Polished {who['city']} Nails",
                    "telephone": who["phone_text"].removeprefix("tel:"), "address": _address(who),
                    "openingHours": "Mo-Sa 10:00-19:00"})


def seo_website_node(title: str, domain: str) -> str:
    """What an SEO plugin adds to every page: the website, not the practice."""
    return _script({"@context": "https://schema.org", "@type": "WebSite", "name": title, "url": f"https://{domain}/"})


def microdata(who: dict[str, Any], week: dict[str, Any], rng: random.Random) -> str:
    kind = rng.choice(MICRODATA_TYPES)
    parts = [f'<div itemscope itemtype="https://schema.org/{kind}">',
             f'  <h2 itemprop="name">{_esc(who["business"] or who["name"])}</h2>',
             ('  <p itemprop="address" itemscope itemtype="https://schema.org/PostalAddress">'
             f'<span itemprop="streetAddress">{_esc(who["street"])}</span>, '
             f'<span itemprop="addressLocality">{_esc(who["city"])}</span>, '
             f'<span itemprop="addressRegion">{_esc(who["state"])}</span> '
             f'<span itemprop="postalCode">{_esc(who["zip"])}</span></p>'),
             f'  <p>Call <span itemprop="telephone">{_esc(who["phone_text"].removeprefix("tel:"))}</span></p>']
    for text in (opening_hours_text(week, rng) if week else []):
        parts.append(f'  <time itemprop="openingHours" datetime="{_esc(text)}">{_esc(text)}</time>')
    if who["insurance_raw"]:
        parts.append(f'  <p>We accept <span itemprop="paymentAccepted">{_esc(", ".join(who["insurance_raw"]))}</span></p>')
    accepting = _accepting(who["accepting"], rng)
    if accepting is not None:
        parts.append(f'  <meta itemprop="isAcceptingNewPatients" content="{_esc(str(accepting).lower())}">')
    for technique in who["techniques_raw"]:
        parts.append(f'  <span itemprop="knowsAbout">{_esc(technique)}</span>')
    parts.append("</div>")
    return "\n".join(parts)


def rdfa(who: dict[str, Any], week: dict[str, Any], rng: random.Random) -> str:
    kind = rng.choice(RDFA_TYPES)
    parts = [f'<div vocab="https://schema.org/" typeof="{kind}">',
             f'  <h2 property="name">{_esc(who["business"] or who["name"])}</h2>',
             ('  <p property="address" typeof="PostalAddress">'
             f'<span property="streetAddress">{_esc(who["street"])}</span>, '
             f'<span property="addressLocality">{_esc(who["city"])}</span>, '
             f'<span property="addressRegion">{_esc(who["state"])}</span> '
             f'<span property="postalCode">{_esc(who["zip"])}</span></p>'),
             f'  <p>Phone: <span property="telephone">{_esc(who["phone_text"].removeprefix("tel:"))}</span></p>']
    for text in (opening_hours_text(week, rng) if week else []):
        parts.append(f'  <meta property="openingHours" content="{_esc(text)}">')
    if who["insurance_raw"]:
        parts.append(f'  <p>Plans: <span property="healthPlanNetworkId">{_esc(", ".join(who["insurance_raw"]))}</span></p>')
    accepting = _accepting(who["accepting"], rng)
    if accepting is not None:
        parts.append(f'  <meta property="isAcceptingNewPatients" content="{_esc(str(accepting).lower())}">')
    parts.append("</div>")
    return "\n".join(parts)


def page(title: str, path: str, links: list[tuple[str, str]], bodies: list[str], who: dict[str, Any]) -> str:
    """One HTML page: navigation links, the structured data, and a footer with tel: and mailto: links."""
    nav = "\n".join(f'    <li><a href="{_esc(href)}">{_esc(text)}</a></li>' for href, text in links)
    heading = {"/": title, "/about/": f"About {title}", "/about/team/": "Our team", "/services/": "Services",
               "/contact/": "Contact", "/about/team/history/": "Our history", "/private/notes/": "Client notes"}[path]
    digits = who["phone"][-10:]
    body = "\n".join(bodies)
    return f"""<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>{_esc(heading)} | {_esc(title)}</title></head>
<body>
  <nav><ul>
{nav}
  </ul></nav>
  <main>
    <h1>{_esc(heading)}</h1>
{body}
  </main>
  <footer><a href="tel:+1{digits}">{_esc(who["phone_text"].removeprefix("tel:"))}</a></footer>
</body>
</html>
"""
