"""Countries named in RU/EN text by name, adjective, demonym or capital, language-independently.

"A Japanese association" and "южнокорейская ассоциация" must compare as Japan vs South Korea,
and "Chinese" must meet "Китай", "китайский" or "Пекин": each country is a set of word-initial
stems in both languages. Only countries, their adjectives and capitals are listed (the general
vocabulary of news), never places of a particular article.
"""

from __future__ import annotations

import re
from functools import lru_cache

# canonical name -> word-initial stems (lower case; matched at a word start, any ending).
_STEMS: dict[str, tuple[str, ...]] = {
    "Russia": ("росси", "рф", "москв", "москов", "russia", "moscow", "muscovite"),
    "China": ("кита", "кнр", "пекин", "china", "chinese", "beijing", "prc"),
    "South Korea": (
        "южнокоре", "южная коре", "южной коре", "республика коре", "республики коре",
        "республике коре", "сеул", "south korea", "republic of korea", "seoul", "корея",
        "корее", "корейск", "korea",
    ),
    "North Korea": ("кндр", "северокоре", "северная коре", "пхеньян", "north korea", "pyongyang"),
    "Japan": ("япон", "токио", "japan", "tokyo"),
    "United States": (
        "сша", "соединенные штаты", "соединённые штаты", "американ", "вашингтон",
        "united states", "usa", "u.s.", "america", "washington",
    ),
    "United Kingdom": (
        "великобритан", "британ", "англи", "лондон", "united kingdom", "britain", "british",
        "england", "english", "london",
    ),
    "Germany": ("германи", "немец", "немецк", "берлин", "german", "germany", "berlin"),
    "France": ("франци", "француз", "париж", "france", "french", "paris"),
    "Italy": ("итали", "рим", "italy", "italian", "rome"),
    "Spain": ("испани", "мадрид", "spain", "spanish", "madrid"),
    "India": ("инди", "нью-дели", "india", "indian", "new delhi"),
    "Kazakhstan": ("казахстан", "казахск", "астан", "kazakh", "kazakhstan", "astana"),
    "Belarus": ("беларус", "белорус", "минск", "belarus", "minsk"),
    "Ukraine": ("украин", "киев", "ukraine", "ukrainian", "kyiv", "kiev"),
    "Turkey": ("турци", "турецк", "анкар", "turkey", "turkish", "türkiye", "ankara"),
    "Iran": ("иран", "тегеран", "iran", "tehran"),
    "Israel": ("израил", "тель-авив", "israel", "israeli", "tel aviv"),
    "Brazil": ("бразили", "brazil"),
    "Canada": ("канад", "оттав", "canada", "canadian", "ottawa"),
    "Vietnam": ("вьетнам", "ханой", "vietnam", "viet nam", "hanoi"),
    "Singapore": ("сингапур", "singapore"),
    "United Arab Emirates": (
        "оаэ", "эмират", "абу-даби", "дубай", "uae", "emirates", "emirati", "dubai",
    ),
    "Finland": ("финлянд", "финск", "хельсинк", "finland", "finnish", "helsinki"),
    "Sweden": ("швеци", "шведск", "стокгольм", "sweden", "swedish", "stockholm"),
    "Norway": ("норвеги", "норвежск", "осло", "norway", "norwegian", "oslo"),
    "Poland": ("польш", "польск", "варшав", "poland", "polish", "warsaw"),
    "Uzbekistan": ("узбекистан", "узбекск", "ташкент", "uzbek", "tashkent"),
    "Armenia": ("армени", "армянск", "ереван", "armenia", "yerevan"),
    "Azerbaijan": ("азербайджан", "баку", "azerbaijan", "azerbaijani", "baku"),
    "Georgia": ("грузи", "тбилиси", "tbilisi"),
    "Mongolia": ("монголи", "монгольск", "улан-батор", "mongolia", "ulaanbaatar"),
    "Egypt": ("егип", "каир", "egypt", "cairo"),
    "Saudi Arabia": ("саудовск", "эр-рияд", "saudi", "riyadh"),
    "Indonesia": ("индонези", "джакарт", "indonesia", "jakarta"),
    "Thailand": ("таиланд", "тайск", "бангкок", "thailand", "thai", "bangkok"),
    "Australia": ("австрали", "канберр", "australia", "canberra"),
    "Switzerland": ("швейцари", "швейцарск", "берн", "switzerland", "swiss", "bern"),
    "Netherlands": ("нидерланд", "голланд", "амстердам", "netherlands", "dutch", "amsterdam"),
    "Austria": ("австри", "вен", "austria", "vienna"),
    "Czech Republic": ("чехи", "чешск", "праг", "czech", "prague"),
    "Serbia": ("серби", "сербск", "белград", "serbia", "serbian", "belgrade"),
    "Cuba": ("куб", "гаван", "cuba", "cuban", "havana"),
    "Mexico": ("мексик", "mexico", "mexican"),
    "Argentina": ("аргентин", "argentina", "argentine", "argentinian"),
    "South Africa": ("юар", "южноафрикан", "south africa"),
    "Pakistan": ("пакистан", "исламабад", "pakistan", "pakistani", "islamabad"),
}  # fmt: skip

# Stems so short that they need the whole word to be one of these forms.
_EXACT_WORDS = {
    "рим": ("рим", "рима", "риме", "римом"),
    "вен": ("вена", "вены", "вене", "веной"),
    "куб": ("куба", "кубы", "кубе", "кубой", "кубинский", "кубинская", "кубинские"),
    "праг": ("прага", "праги", "праге", "прагой"),
    "берн": ("берн", "берна", "берне"),
    "инди": ("индия", "индии", "индию", "индией", "индийский", "индийская", "индийские"),
    "англи": ("англия", "англии", "английский", "английская"),
    "грузи": ("грузия", "грузии", "грузию", "грузинский", "грузинская", "грузинские"),
}
# Latin stems are whole words plus a demonym or plural ending ("Japanese", "Koreans").
_LATIN_ENDING = r"(?:n|ns|an|ans|ian|ians|ese|ish|s|'s|’s)?(?![\w])"


def _stem_pattern(stem: str) -> str:
    exact = _EXACT_WORDS.get(stem)
    if exact:
        return r"(?<![\w-])(?:" + "|".join(map(re.escape, exact)) + r")(?![\w-])"
    body = re.escape(stem).replace(r"\ ", r"\s+")
    if re.match(r"[a-z]", stem):
        return rf"(?<![\w]){body}{_LATIN_ENDING}"
    # Russian acronyms need a word end; other stems take any ending ("китайскую").
    tail = r"(?![\w])" if stem in ("рф", "кнр", "сша", "оаэ", "юар", "кндр") else r""
    return rf"(?<![\w]){body}{tail}"


@lru_cache(maxsize=1)
def _patterns() -> list[tuple[str, re.Pattern[str]]]:
    return [
        (country, re.compile("|".join(_stem_pattern(s) for s in stems), re.IGNORECASE))
        for country, stems in _STEMS.items()
    ]


def find_countries(text: str) -> list[tuple[str, str]]:
    """(country, the words as written) for every country the text names, in text order.

    "российско-китайский" names both Russia and China; "английский язык" counts as the UK,
    which is why callers compare countries only between statements on one topic.
    """
    found: list[tuple[int, str, str]] = []
    for country, pattern in _patterns():
        for m in pattern.finditer(text):
            word_end = re.match(r"[\w-]*", text[m.end() :])
            end = m.end() + (word_end.end() if word_end else 0)
            found.append((m.start(), country, text[m.start() : end]))
    found.sort()
    return [(country, written) for _, country, written in found]


def countries(text: str) -> frozenset[str]:
    return frozenset(c for c, _ in find_countries(text))
