"""Word lists of the synthetic data generator: Polish-looking place, organisation and project names and
sentences for descriptions. Made up; no real record. People's names, streets, companies and NIPs come
from Faker's pl_PL provider (generate.py)."""

from __future__ import annotations

ROOTS = ["Brzez", "Dąb", "Lip", "Grab", "Kamień", "Olsz", "Jasień", "Bor", "Mił", "Rad", "Sław", "Wierzb",
         "Brzoz", "Czarn", "Biał", "Złot", "Krzyw", "Gór", "Ostr", "Głog", "Łęcz", "Żyw", "Świerk", "Gniezd",
         "Chełm", "Zdun", "Kłod", "Wiśn", "Jabłon", "Trzcin", "Modrz", "Łosz", "Źrebi"]
ENDINGS = ["owo", "ów", "ice", "ina", "no", "ówka", "nik", "ec", "any", "owice", "ówek", "sko"]
RIVERS = ["", "", "", "", " nad Wisłą", " nad Odrą", " nad Bugiem", " nad Wartą", " nad Sanem", " Zdrój"]
OPENERS = ["Lokalne Partnerstwo na rzecz", "Razem dla", "Akademia", "Centrum", "Sieć", "Program", "Inkubator",
           "Forum", "Koalicja na rzecz", "Pakt dla", "Bank", "Szkoła", "Klub", "Laboratorium", "Dom", "Mapa",
           "Strategia", "Obserwatorium"]
TOPICS = ["Aktywności Lokalnej", "Zatrudnienia", "Seniorów", "Młodzieży", "Rodziny", "Ekonomii Społecznej",
          "Czystego Powietrza", "Efektywności Energetycznej", "Dialogu Obywatelskiego", "Wolontariatu",
          "Współpracy Międzygminnej", "Integracji Społecznej", "Przedsiębiorczości", "Kultury", "Zdrowia",
          "Bezpieczeństwa", "Edukacji Ekologicznej", "Partnerów Lokalnych", "Usług Społecznych", "Sportu",
          "Transportu Publicznego", "Odnawialnych Źródeł Energii", "Dziedzictwa", "Rewitalizacji"]
TAILS = ["", " – {town}", " – {town} {year}", " {town} {year}", ": edycja {n} – {town}", " w gminie {town}",
         ": model współpracy w gminie {town}", " krok po kroku – {town}", ": wspólna sprawa gminy {town}"]
QUOTED = ["Pokolenia", "Nasza Ziemia", "Wspólny Dom", "Dobry Start", "Otwarte Drzwi", "Zielone Światło",
          "Most", "Horyzont", "Sąsiedzi", "Wiatrak", "Źródło", "Żuraw", "Łączka", "Przystań", "Ognisko"]
SENTENCES = [  # {town} and {n} are filled in
    "Projekt realizowano w partnerstwie samorządu, organizacji pozarządowych i lokalnych firm.",
    "Celem było zwiększenie udziału mieszkańców w życiu publicznym gminy {town}.",
    "Partnerzy podpisali porozumienie o współpracy i powołali wspólny zespół roboczy.",
    "Zorganizowano szkolenia, warsztaty i spotkania konsultacyjne; szczególną uwagę poświęcono seniorom.",
    "Powstał punkt informacyjny dla organizacji pozarządowych i grup nieformalnych.",
    "Efektem jest trwała sieć współpracy, która działa także po zakończeniu finansowania.",
    "Mieszkańcy zgłosili ponad {n}0 inicjatyw, z których część zrealizowano wspólnie z urzędem.",
    "Przeprowadzono audyt energetyczny budynków użyteczności publicznej.",
    "Wypracowano standard zlecania zadań publicznych organizacjom pozarządowym.",
    "Ważnym elementem była giełda zasobów, na której partnerzy wymieniali się wiedzą i sprzętem.",
    "Wyniki przedstawiono na konferencji podsumowującej w gminie {town}."]
ROLES = ["Koordynacja projektu", "Referat Funduszy Europejskich", "Biuro Zarządu", "Dział Projektów",
         "Pełnomocnik ds. współpracy z organizacjami pozarządowymi", "Wydział Promocji", "Sekretariat"]
ORG_NAMES: dict[str, list[tuple[str, str | None]]] = {  # sector: (name, unit type); {town}, {root}, {Root}, {region}, {topic}, {quoted}, {n}, {company} filled in
    "public": [("Gmina {town}", "gmina-wiejska"), ("Gmina {town}", "gmina-miejsko-wiejska"),
               ("Miasto {town}", "gmina-miejska"), ("Powiat {Root}ski", "powiat"),
               ("Urząd Gminy {town}", None), ("Ośrodek Pomocy Społecznej Gminy {town}", None),
               ("Gminny Ośrodek Kultury {town}", None), ("Szkoła Podstawowa nr {n} {town}", None),
               ("Urząd Marszałkowski Województwa {region}", None),
               ("Powiatowe Centrum Pomocy Rodzinie Powiatu {root}skiego", None)],
    "ngo": [("Fundacja Rozwoju {town}", None), ("Stowarzyszenie Przyjaciół {town}", None),
            ("Towarzystwo {topic} {town}", None), ("Fundacja „{quoted}” – {town}", None),
            ("Stowarzyszenie {topic} {town}", None), ("Związek Harcerstwa {town}", None),
            ("Federacja Organizacji Pozarządowych {town}", None)],
    "business": [("{root}pol Sp. z o.o.", None), ("{company}", None), ("{company}", None),
                 ("Bank Spółdzielczy {town}", None), ("Spółdzielnia Socjalna „{quoted}” – {town}", None),
                 ("Zakład Energetyczny {town} S.A.", None),
                 ("Przedsiębiorstwo Usług Komunalnych {town} Sp. z o.o.", None)]}
