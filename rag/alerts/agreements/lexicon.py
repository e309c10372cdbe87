"""The words that make a sentence report an agreement, by role (lemmas)."""

from __future__ import annotations

import re

MAX_PARTIES = 4
STORY_MAX_DAYS = 4  # reports of one signing appear within a few days of each other
NOUN_AFTER_VERB = 8  # tokens: "signed a ten-year research agreement"
NOUN_BEFORE_VERB = 6  # "соглашение о сотрудничестве было подписано"
CUE_WINDOW = 3  # tokens before a predicate that may negate it or make it planned
OLD_DAYS = 60  # a date this much before the article's date marks an old agreement

TOKEN = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*|[^\w\s]")
CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)

# ---------------------------------------------------------------- lexicon (lemmas)

RU_NOUNS = {
    "соглашение": "agreement", "договор": "agreement", "договоренность": "agreement",
    "меморандум": "memorandum", "партнерство": "partnership", "альянс": "partnership",
    "контракт": "contract",
}  # fmt: skip
EN_NOUNS = {
    "agreement": "agreement", "accord": "agreement", "pact": "agreement", "deal": "agreement",
    "treaty": "agreement", "memorandum": "memorandum", "memoranda": "memorandum",
    "mou": "memorandum", "partnership": "partnership", "alliance": "partnership",
    "collaboration": "partnership", "contract": "contract", "roadmap": "roadmap",
}  # fmt: skip
EN_PLURAL = {"agreements", "accords", "pacts", "deals", "treaties", "memorandums", "mous",
              "partnerships", "alliances", "collaborations", "contracts", "roadmaps"}  # fmt: skip

# Predicates that conclude any agreement noun.
RU_SIGN = {"подписать", "подписывать", "заключить", "заключать", "парафировать",
            "скрепить", "подписание", "заключение", "достигнуть", "достичь", "утвердить",
            "продлить"}  # fmt: skip
EN_SIGN = {
    "sign": "sign", "signs": "sign", "signed": "sign", "signing": "sign", "ink": "sign",
    "inks": "sign", "inked": "sign", "conclude": "sign", "concludes": "sign",
    "concluded": "sign", "seal": "sign", "seals": "sign", "sealed": "sign", "strike": "sign",
    "strikes": "sign", "struck": "sign", "forge": "sign", "forged": "sign", "forges": "sign",
    "reach": "sign", "reached": "sign", "reaches": "sign", "finalise": "sign",
    "finalised": "sign", "finalize": "sign", "finalized": "sign", "renew": "sign",
    "renewed": "sign", "renews": "sign", "approve": "sign", "approved": "sign",
    "adopt": "sign", "adopted": "sign", "enter": "enter", "enters": "enter", "entered": "enter",
    "form": "form", "forms": "form", "formed": "form", "launch": "form", "launches": "form",
    "launched": "form", "announce": "form", "announces": "form", "announced": "form",
    "establish": "form", "established": "form", "create": "form", "created": "form",
}  # fmt: skip
# "form", "launch", "announce": only a partnership or an alliance ("launched a contract" no).
FORM_KINDS = {"partnership"}
RU_FORM = {"объявить", "создать", "сформировать", "запустить", "начать", "учредить"}
RU_NOMINAL = {"подписание", "заключение"}
EN_NOMINAL = {"signing"}

# Noun modifiers that make it a private contract, not news of an agreement.
EXCLUDED_MODIFIERS = {
    "трудовой", "пользовательский", "employment", "labour", "labor", "user", "end-user",
    "non-disclosure", "confidentiality", "nda", "service", "subscription", "rental",
}  # fmt: skip
OPINION_AFTER_AGREED = {"need", "importance", "necessity", "fact", "urgency", "value", "view"}

RU_CANCEL = {"отменить", "отказаться", "сорваться", "сорвать", "расторгнуть", "разорвать",
              "приостановить", "отложить", "аннулировать", "денонсировать", "прекратить",
              "выйти", "отозвать", "заморозить"}  # fmt: skip
EN_CANCEL = re.compile(
    r"\b(cancel\w*|call(ed|s|ing)? off|scrap(ped|s)?|collaps\w*|terminat\w*|withdr[ae]w\w*"
    r"|pull(ed|s)? out|postpon\w*|suspend\w*|abandon\w*|walk(ed|s)? away|br(oke|eaks?) off"
    r"|tore up|rescind\w*|shelved|fell through|falls? through)\b",
    re.IGNORECASE,
)
# Absence words that negate a predicate after them ("without signing"); negators: nlp.negation.
ABSENCE = {"без", "without"}
# Words before a predicate that make it hypothetical, normative or a proposal.
RU_MODAL = {"мочь", "смочь", "можно", "нужно", "надо", "необходимо", "следует", "стоить",
             "хотеть", "предложить", "предлагать", "призвать", "призывать", "стремиться",
             "обсудить", "обсуждать", "рассмотреть", "рассматривать", "если", "бы"}  # fmt: skip
EN_MODAL = {"can", "could", "may", "might", "should", "must", "need", "needs", "hope",
             "hopes", "want", "wants", "urge", "urged", "urges", "proposed", "proposes",
             "propose", "if", "whether", "consider", "considering", "discuss", "discussed",
             "discussing", "like", "seek", "seeks", "sought", "ought"}  # fmt: skip
RU_PLAN = {"планировать", "намереваться", "намеренный", "намерить", "собираться",
            "готовиться", "решить", "договориться",
            "должный", "планироваться", "предполагаться", "намеченный", "запланировать",
            "ожидаться", "состояться", "быть", "пройти"}  # fmt: skip
EN_PLAN = {"will", "shall", "'ll", "would", "to", "plan", "plans", "planned", "planning",
            "intend", "intends", "intended", "expected", "expect", "set", "scheduled", "going",
            "aim", "aims", "prepare", "prepares", "preparing", "upcoming", "next"}  # fmt: skip
# Words that date an agreement before the article ("напомним", "ранее", "years ago").
RU_PAST_WORDS = {"ранее", "напомнить", "назад", "прежде"}
EN_PAST_WORDS = {"previously", "earlier", "ago", "formerly"}
RU_PAST_PHRASES = re.compile(r"\b(?:в\s+прошлом\s+году|ещё\s+в|еще\s+в|с\s+тех\s+пор)\b", re.I)
EN_PAST_PHRASES = re.compile(r"\b(?:last\s+year|back\s+in|in\s+the\s+past|since\s+then)\b", re.I)
# Just before the predicate: a relative clause ("which signed", "который подписал").
BACKGROUND = {"which", "who", "который"}
NOW = re.compile(r"\b(?:сегодня|вчера|накануне|today|yesterday|earlier\s+this\s+\w+)\b", re.I)
YEAR_AFTER_PREP = re.compile(r"\b(?:в|во|с|since|in|back in)\s+(?:\w+\s+)?((?:19|20)\d\d)\b",
                              re.IGNORECASE)  # fmt: skip
ATTRIBUTION = re.compile(
    r"(?:,\s*(?:—\s*)?(?:сообща\w+|переда\w+|пишет|говорится|заявил\w*|отметил\w*|according"
    r"|reports?|reported|said|says|announced\s+on)\b.*$|\s+[—–]\s+[A-ZА-ЯЁ][\w.-]*(?:\s+[A-ZА-ЯЁ][\w-]*)?$)",
    re.IGNORECASE,
)
