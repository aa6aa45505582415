"""The legacy-page importer: the seed page, its variants, and the errors that stop a half record."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from publisher.errors import SourceError
from publisher.records.importer import guess_sector, import_page, practice_key, slugify
from publisher.records.read import parse_record
from publisher.records.yamlio import dump_yaml

FIXTURE = Path(__file__).parent / "fixtures" / "seed_page.txt"
SHARED_SEED = Path(__file__).parents[1].parent / "shared/seed/000_dd5248ecbf335de0.txt"
NBSP = "\xa0"


def page(title: str | None = "Próba", metric: list[str] | None = None, prose: str = "Skrót.\n\nOpis.") -> str:
    """A page in the legacy layout: navigation, breadcrumb, title, marker, prose, metric table, footer."""
    metric = metric if metric is not None else [f"Data wprowadzenia do BDP:{NBSP} {NBSP} 2012-05-06"]
    head = ["Strona główna", "Współpraca JST-NGO", f"{NBSP} Współpraca JST-NGO : Praktyki"]
    marker = f".: {NBSP}  Skrót i Metryka -> Pełna prezentacja -> Załączniki {NBSP}  :."
    lines = [*head, *([title] if title is not None else []), "", marker, "", prose, "", "Metryka praktyki",
             *metric, "", marker, "", "Projekt współfinansowany przez Unię Europejską"]
    return "\n".join(lines)


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.split("\n"), 1) if needle in line)


@pytest.fixture
def seed_text() -> str:
    return FIXTURE.read_text(encoding="utf-8")


def test_fixture_is_the_shared_seed_page() -> None:
    if not SHARED_SEED.is_file():
        pytest.skip("shared/seed is not next to this checkout")
    assert FIXTURE.read_bytes() == SHARED_SEED.read_bytes()


def test_seed_page(seed_text: str) -> None:
    result = import_page(seed_text, "seed/000_dd5248ecbf335de0.txt")
    p = result.practice
    assert p["key"] == "trzy-filary-bank-partnerow-lokalnych"
    assert p["title"] == {"pl": "Trzy Filary - Bank Partnerów Lokalnych"}
    assert p["summary"]["pl"].startswith("Projekt realizowany był w partnerstwie 3 sektorów")
    assert p["description"]["pl"].startswith("Celem projektu było")
    assert p["description"]["pl"].count("\n\n") == 2
    assert p["description"]["pl"].endswith("(m.in. niemieckim Gute Geschäfte).")
    assert p["entered"] == dt.date(2011, 3, 3)
    assert p["unit_type"] == "gmina-miejska"
    assert p["implementing_unit"] == "starostwo-powiatowe-w-tczewie"
    assert p["place"] == {"town": "Tczew", "voivodeship": "pomorskie", "postal_code": "83-110",
                          "post_office": "Tczew", "street": "Ul. Piaskowa 2", "population": 112495}
    assert p["websites"] == ["http://www.powiat.tczew.pl", "http://www.fundacjapokolenia.pl"]
    assert p["contacts"] == [
        {"name": "Adam Jagodda", "role": "Asystent koordynatora, referat EFS", "phone": "58 773 49 41",
         "email": "fundusze@powiat.tczew.pl", "publish": False},
        {"name": "Paulina Jabłonowska", "role": "Kierowniczka Zespołu Fundacji Pokolenia",
         "phone": "58 530 24 81", "email": "biuro@fundacjapokolenia.pl", "publish": False},
    ]
    assert p["source"] == {"page": "000_dd5248ecbf335de0.txt"}
    assert "themes" not in p and "synthetic" not in p
    assert list(p) == ["key", "title", "summary", "description", "entered", "unit_type", "implementing_unit",
                       "place", "websites", "contacts", "source"]
    assert result.organisations == [{"key": "starostwo-powiatowe-w-tczewie",
                                     "name": {"pl": "Starostwo Powiatowe w Tczewie"}, "sector": "public"}]


def test_seed_page_yaml_reads_back_and_fits_the_record_schema(seed_text: str) -> None:
    result = import_page(seed_text, "000_dd5248ecbf335de0.txt")
    text = dump_yaml(result.practice)
    assert yaml.safe_load(text) == result.practice
    assert "entered: 2011-03-03\n" in text and "Partnerów" in text and "\\u" not in text
    assert text.index("key:") < text.index("title:") < text.index("entered:") < text.index("source:")
    parse_record(text, "trzy-filary-bank-partnerow-lokalnych.yaml", "practice")
    parse_record(dump_yaml(result.organisations[0]), "starostwo-powiatowe-w-tczewie.yaml", "organisation")


def test_windows_line_endings_give_the_same_record(seed_text: str) -> None:
    crlf = seed_text.replace("\n", "\r\n")
    assert "\r\n" in crlf
    assert import_page(crlf, "a.txt") == import_page(seed_text, "a.txt")


def test_correct_spelling_of_witryna(seed_text: str) -> None:
    fixed = seed_text.replace("Wirtyna internetowa", "Witryna internetowa")
    assert fixed != seed_text
    assert import_page(fixed, "a.txt").practice["websites"] == [
        "http://www.powiat.tczew.pl", "http://www.fundacjapokolenia.pl"]


def test_page_without_optional_lines_imports() -> None:
    result = import_page(page("Mała praktyka", [f"Data wprowadzenia do BDP:{NBSP} {NBSP} 2012-05-06",
                                                 f"Miejscowość:{NBSP} {NBSP} Łęczyca"]), "p.txt")
    p = result.practice
    assert p["entered"] == dt.date(2012, 5, 6)
    assert p["place"] == {"town": "Łęczyca"}
    assert "contacts" not in p and "websites" not in p and "implementing_unit" not in p
    assert result.organisations == []
    assert p["summary"] == {"pl": "Skrót."} and p["description"] == {"pl": "Opis."}


def test_metric_variants() -> None:
    metric = [f"Data wprowadzenia do BDP:{NBSP} {NBSP} 2012-05-06",
              f"Typ jednostki:{NBSP} {NBSP} miasto na prawach powiatu",
              f"Województwo:{NBSP} {NBSP} Kujawsko-Pomorskie",
              f"Liczba mieszkańców:{NBSP} {NBSP} 1 234 567",
              f"Witryna internetowa:{NBSP} {NBSP} https://example.pl",
              f"{NBSP} example.org",
              f"Jednostka wdrażająca:{NBSP} {NBSP} Stowarzyszenie Gmin Powiatu X",
              f"Osoby kontaktowe:{NBSP} {NBSP} Jan Nowak",
              f"{NBSP} e-mail: jan@example.pl",
              "",
              f"{NBSP} Ewa Kowalska",
              f"{NBSP} email: ewa(at)example.pl"]
    result = import_page(page("Próba", metric), "p.txt")
    p = result.practice
    assert p["unit_type"] == "miasto-na-prawach-powiatu"
    assert p["place"] == {"voivodeship": "kujawsko-pomorskie", "population": 1234567}
    assert p["websites"] == ["https://example.pl", "http://example.org"]
    assert p["contacts"] == [{"name": "Jan Nowak", "email": "jan@example.pl", "publish": False},
                             {"name": "Ewa Kowalska", "email": "ewa@example.pl", "publish": False}]
    assert result.organisations[0]["sector"] == "ngo"


def test_contact_lines_that_are_not_one_phone_or_one_address_are_kept_as_role_text() -> None:
    metric = [f"Data wprowadzenia do BDP:{NBSP} {NBSP} 2012-05-06", f"Osoby kontaktowe:{NBSP} {NBSP} Jan Nowak",
              f"{NBSP} Telewizja Lokalna", f"{NBSP} tel./fax 58 100 20 30", f"{NBSP} tel. kom. 600 100 200",
              f"{NBSP} e-mail: a@b.pl, c@d.pl", f"{NBSP} e-mail: jan[at]example.pl"]
    [contact] = import_page(page("Próba", metric), "p.txt").practice["contacts"]
    assert contact == {"name": "Jan Nowak", "phone": "58 100 20 30", "email": "jan@example.pl",
                       "role": "Telewizja Lokalna, tel. kom. 600 100 200, e-mail: a@b.pl, c@d.pl",
                       "publish": False}


def test_contact_without_a_name() -> None:
    metric = [f"Data wprowadzenia do BDP:{NBSP} {NBSP} 2012-05-06", f"Osoby kontaktowe:{NBSP} {NBSP} Jan",
              "", f"{NBSP} tel. 58 100 20 30"]
    text = page("Próba", metric)
    with pytest.raises(SourceError, match="without a name") as caught:
        import_page(text, "p.txt")
    assert caught.value.line == line_of(text, "tel. 58 100")


def test_unguessable_sector_leaves_it_out() -> None:
    metric = [f"Data wprowadzenia do BDP:{NBSP} {NBSP} 2012-05-06",
              f"Jednostka wdrażająca:{NBSP} {NBSP} Centrum Aktywności Lokalnej"]
    org = import_page(page("Próba", metric), "p.txt").organisations[0]
    assert org == {"key": "centrum-aktywnosci-lokalnej", "name": {"pl": "Centrum Aktywności Lokalnej"}}


@pytest.mark.parametrize("value, reason", [("2011-02-30", "not a valid date"),
                                           ("3 marca 2011", "not a date YYYY-MM-DD")])
def test_bad_date(seed_text: str, value: str, reason: str) -> None:
    text = seed_text.replace("2011-03-03", value)
    with pytest.raises(SourceError) as caught:
        import_page(text, "seed.txt")
    assert caught.value.line == line_of(text, "Data wprowadzenia do BDP") == 36
    assert reason in caught.value.message and value in caught.value.message
    assert caught.value.path == "seed.txt"


def test_bad_population(seed_text: str) -> None:
    text = seed_text.replace("112.495", "około 112 tys.")
    with pytest.raises(SourceError) as caught:
        import_page(text, "seed.txt")
    assert caught.value.line == line_of(text, "Liczba mieszkańców")
    assert "not a whole number" in caught.value.message


def test_page_without_title(seed_text: str) -> None:
    text = seed_text.replace("Trzy Filary - Bank Partnerów Lokalnych\n", "")
    with pytest.raises(SourceError) as caught:
        import_page(text, "seed.txt")
    assert "no title" in caught.value.message
    assert caught.value.line == line_of(text, "Skrót i Metryka")


def test_page_without_marker_has_no_title() -> None:
    with pytest.raises(SourceError, match="no title"):
        import_page("Strona główna\nCoś innego\n", "p.txt")


def test_page_without_entered_date() -> None:
    text = page("Próba", [f"Miejscowość:{NBSP} {NBSP} Tczew"])
    with pytest.raises(SourceError) as caught:
        import_page(text, "p.txt")
    assert "Data wprowadzenia do BDP" in caught.value.message
    assert caught.value.line == line_of(text, "Metryka praktyki")


def test_unknown_label(seed_text: str) -> None:
    text = seed_text.replace("Ulica:", "Budżet projektu:  100 000 zł\nUlica:")
    with pytest.raises(SourceError) as caught:
        import_page(text, "seed.txt")
    assert "Budżet projektu" in caught.value.message
    assert caught.value.line == line_of(text, "Budżet projektu")


def test_label_given_twice(seed_text: str) -> None:
    text = seed_text.replace("Ulica:", f"Miejscowość:{NBSP} Gdańsk\nUlica:")
    with pytest.raises(SourceError, match="given twice"):
        import_page(text, "seed.txt")


def test_slugify_and_key() -> None:
    assert slugify("Zażółć gęślą jaźń – ŁÓDŹ!") == "zazolc-gesla-jazn-lodz"
    assert slugify("  Gute Geschäfte  ") == "gute-geschafte"
    key = practice_key("Bardzo długi tytuł " * 10)
    assert len(key) <= 80 and key.endswith("tytul") and not key.endswith("-")
    assert practice_key("x" * 100) == "x" * 80


@pytest.mark.parametrize("name, sector", [
    ("Starostwo Powiatowe w Tczewie", "public"), ("Urząd Miasta Gdańska", "public"),
    ("Gminny Ośrodek Pomocy Społecznej w Pcimiu", "public"),
    ("Urząd Marszałkowski Województwa Śląskiego", "public"), ("Fundacja Pokolenia", "ngo"),
    ("Stowarzyszenie Gmin Polskich", "ngo"), ("Związek Harcerstwa Polskiego", "ngo"),
    ("Bank Spółdzielczy w Tczewie", "business"), ("Ekobud Sp. z o.o.", "business"),
    ("Towarzystwo Ubezpieczeń S.A.", "business"), ("Spółdzielnia Socjalna Razem", "business"),
    ("Centrum Aktywności Lokalnej", None),
])
def test_guess_sector(name: str, sector: str | None) -> None:
    assert guess_sector(name) == sector
