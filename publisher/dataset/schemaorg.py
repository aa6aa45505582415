"""The dataset as a schema.org `Dataset` (JSON-LD on the landing page), for search engines: the same
facts as the DCAT catalogue, with a `DataDownload` for each file."""

from __future__ import annotations

from typing import Any

from publisher.config import Settings
from publisher.dataset.facts import DUMPS, Facts, public_prefix
from publisher.dataset.terms import KEYWORDS, TEXT, dataset_iri
from publisher.formats import BY_NAME, FILE_MEDIA_TYPES


def schema_dataset(facts: Facts, settings: Settings, public: str, lang: str = "pl") -> dict[str, Any]:
    public = public_prefix(public)
    other = "en" if lang == "pl" else "pl"
    downloads = []
    for dump in DUMPS:
        info = facts.files.get(dump.name)
        if info is None:
            continue
        media = BY_NAME[dump.format].media_type
        item: dict[str, Any] = {
            "@type": "DataDownload", "name": dump.title[lang], "contentUrl": f"{public}dumps/{dump.name}",
            "encodingFormat": FILE_MEDIA_TYPES["gzip"] if dump.compressed else media,
            "contentSize": f"{info.size} B", "sha256": info.sha256,
        }
        if dump.compressed:
            item["description"] = f"{media}, gzip"
        downloads.append(item)
    data: dict[str, Any] = {
        "@context": "https://schema.org/",
        "@type": "Dataset",
        "@id": dataset_iri(settings.base_uri),
        "name": TEXT["dataset_title"][lang],
        "alternateName": TEXT["dataset_title"][other],
        "description": TEXT["dataset_description"][lang],
        "url": public,
        "sameAs": f"{public}catalog",
        "identifier": dataset_iri(settings.base_uri),
        "keywords": list(KEYWORDS[lang]) + list(KEYWORDS[other]),
        "license": settings.licence,
        "isAccessibleForFree": True,
        "inLanguage": ["pl", "en"],
        "spatialCoverage": {"@type": "Place", "name": "Polska" if lang == "pl" else "Poland",
                            "address": {"@type": "PostalAddress", "addressCountry": "PL"}},
        "creator": {"@type": "Organization", "name": settings.publisher_name, "url": settings.publisher_url,
                    "email": settings.contact_email},
        "publisher": {"@type": "Organization", "name": settings.publisher_name, "url": settings.publisher_url},
        "includedInDataCatalog": {"@type": "DataCatalog", "name": TEXT["catalog_title"][lang],
                                  "url": f"{public}catalog"},
        "distribution": downloads,
    }
    if facts.issued:
        data["datePublished"] = facts.issued
    if facts.modified:
        data["dateModified"] = facts.modified
    if facts.issued and facts.modified:
        data["temporalCoverage"] = f"{facts.issued}/{facts.modified}"
    return data
