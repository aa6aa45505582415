"""The UI strings of the submission form (/submit), in one table so that moving them into the gettext
catalogues is mechanical. Field rules and their messages are not here: they are the shapes' sh:message."""

from __future__ import annotations

UI: dict[str, dict[str, str]] = {
    "title": {"pl": "Zgłoś dobrą praktykę", "en": "Propose a good practice"},
    "intro": {"pl": "Opisz współpracę samorządu, organizacji pozarządowych lub firm. Redakcja przejrzy "
                    "zgłoszenie przed publikacją; nic nie jest publikowane bez jej zgody.",
              "en": "Describe a cooperation of a local government, NGOs or businesses. The editors review "
                    "each proposal before it is published; nothing is published without their approval."},
    "required": {"pl": "Pola oznaczone * są wymagane.", "en": "Fields marked * are required."},
    "problems": {"pl": "Zgłoszenie ma błędy. Popraw pola wskazane poniżej:",
                 "en": "The proposal has problems. Correct the fields shown below:"},
    "general": {"pl": "Całe zgłoszenie", "en": "The whole proposal"},
    "texts_pl": {"pl": "Opis po polsku", "en": "Description in Polish"},
    "texts_en": {"pl": "Opis po angielsku (nieobowiązkowy)", "en": "Description in English (optional)"},
    "f_title": {"pl": "Tytuł", "en": "Title"},
    "f_summary": {"pl": "Skrót (kilka zdań)", "en": "Summary (a few sentences)"},
    "f_description": {"pl": "Opis", "en": "Description"},
    "classification": {"pl": "Rodzaj praktyki", "en": "Kind of practice"},
    "f_unit_type": {"pl": "Typ jednostki samorządu", "en": "Type of local government unit"},
    "f_themes": {"pl": "Obszary tematyczne", "en": "Themes"},
    "f_funding": {"pl": "Źródła finansowania", "en": "Funding"},
    "none_chosen": {"pl": "— nie wybrano —", "en": "— none chosen —"},
    "place": {"pl": "Miejsce", "en": "Place"},
    "f_town": {"pl": "Miejscowość", "en": "Town"},
    "f_voivodeship": {"pl": "Województwo", "en": "Voivodeship"},
    "f_postal_code": {"pl": "Kod pocztowy (00-000)", "en": "Postal code (00-000)"},
    "f_street": {"pl": "Ulica i numer", "en": "Street and number"},
    "f_population": {"pl": "Liczba mieszkańców", "en": "Population"},
    "f_teryt": {"pl": "Kod TERYT gminy", "en": "TERYT code of the municipality"},
    "f_lat": {"pl": "Szerokość geograficzna (np. 54.0924)", "en": "Latitude (e.g. 54.0924)"},
    "f_lon": {"pl": "Długość geograficzna (np. 18.7779)", "en": "Longitude (e.g. 18.7779)"},
    "f_websites": {"pl": "Strony internetowe (jedna w wierszu)", "en": "Websites (one per line)"},
    "partners": {"pl": "Partnerzy", "en": "Partners"},
    "partners_hint": {"pl": "Zacznij pisać nazwę, aby wybrać organizację z banku. Organizacja, której nie ma "
                            "w banku, zostanie dodana: podaj wtedy jej sektor i, jeśli znasz, numery.",
                      "en": "Start typing a name to choose an organisation in the bank. One that is not in "
                            "the bank will be added: then give its sector and, if you know them, its numbers."},
    "partner_n": {"pl": "Partner {n}", "en": "Partner {n}"},
    "f_name": {"pl": "Nazwa organizacji", "en": "Name of the organisation"},
    "f_role": {"pl": "Rola", "en": "Role"},
    "f_sector": {"pl": "Sektor (nowej organizacji)", "en": "Sector (of a new organisation)"},
    "f_krs": {"pl": "KRS", "en": "KRS"},
    "f_regon": {"pl": "REGON", "en": "REGON"},
    "f_nip": {"pl": "NIP", "en": "NIP"},
    "f_org_teryt": {"pl": "TERYT (samorząd)", "en": "TERYT (local government)"},
    "contacts": {"pl": "Osoby do kontaktu", "en": "Contact persons"},
    "contacts_hint": {"pl": "Imię, nazwisko, telefon i e-mail osoby są publikowane tylko za jej zgodą.",
                      "en": "A person's name, phone and e-mail are published only with their consent."},
    "contact_n": {"pl": "Osoba {n}", "en": "Person {n}"},
    "f_person": {"pl": "Imię i nazwisko", "en": "Name"},
    "f_person_role": {"pl": "Funkcja", "en": "Position"},
    "f_phone": {"pl": "Telefon", "en": "Phone"},
    "f_email": {"pl": "E-mail", "en": "E-mail"},
    "f_publish": {"pl": "Ta osoba zgadza się na publikację swojego imienia i nazwiska, telefonu i e-maila",
                  "en": "This person consents to publishing their name, phone and e-mail"},
    "attachments": {"pl": "Załączniki", "en": "Attachments"},
    "attachments_hint": {"pl": "PDF, ODT, DOC, DOCX, RTF, TXT lub obrazy PNG, JPEG, GIF; razem najwyżej "
                               "{mib} MiB.", "en": "PDF, ODT, DOC, DOCX, RTF, TXT or PNG, JPEG, GIF images; "
                                                 "at most {mib} MiB in all."},
    "attachment_n": {"pl": "Załącznik {n}", "en": "Attachment {n}"},
    "f_attachment_title": {"pl": "Tytuł załącznika", "en": "Title of the attachment"},
    "f_file": {"pl": "Plik", "en": "File"},
    "honeypot": {"pl": "Nie wypełniaj tego pola", "en": "Leave this field empty"},
    "send": {"pl": "Wyślij zgłoszenie", "en": "Send the proposal"},
    "received": {"pl": "Dziękujemy za zgłoszenie", "en": "Thank you for your proposal"},
    "received_number": {"pl": "Numer zgłoszenia", "en": "Proposal number"},
    "received_next": {"pl": "Redakcja przejrzy zgłoszenie. Podaj ten numer, pytając o jego los.",
                      "en": "The editors will review it. Quote this number when you ask about it."},
    "another": {"pl": "Zgłoś kolejną praktykę", "en": "Propose another practice"},
}

STRINGS = {lang: {key: entry[lang] for key, entry in UI.items()} for lang in ("pl", "en")}
