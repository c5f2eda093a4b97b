"""What an alert says, in English and Italian: a subject line and one paragraph.

Slots follow monitor/wording (`{ratio}` 12×, `{company}`, whole numbers); the spans, times and
small figures arrive already written in the language (`words`), by `monitor.alerts.compose`.
"""

from __future__ import annotations

# fmt: off
ALERT_SUBJECTS = {
    "competitor_breakout": {
        "en": "{company}'s post is taking off: {ratio} its usual engagement",
        "it": "Un post di {company} decolla: {ratio} le sue interazioni abituali",
    },
    "own_breakout": {
        "en": "Our post is taking off: {ratio} our usual engagement",
        "it": "Un nostro post decolla: {ratio} le nostre interazioni abituali",
    },
    "competitor_posting_surge": {
        "en": "{company} is posting {ratio} as often as usual",
        "it": "{company} sta pubblicando {ratio} più del solito",
    },
    "source_down": {
        "en": "{company} on {platform} is not being read: {failures} failed attempts in a row",
        "it": "{company} su {platform} non viene letto: {failures} tentativi falliti di fila",
    },
}

ALERT_BODIES = {
    "competitor_breakout": {
        "en": "A post by {company} on {platform}, published {published}, has {engagement} "
              "engagement after {age}: {ratio} its usual ({median}, the median engagement of "
              "its posts there in the {history} before).",
        "it": "Un post di {company} su {platform}, pubblicato {published}, ha {engagement} "
              "interazioni dopo {age}: {ratio} il suo solito ({median}, la mediana delle "
              "interazioni dei suoi post lì nei {history} precedenti).",
    },
    "own_breakout": {
        "en": "Our post on {platform}, published {published}, has {engagement} engagement "
              "after {age}: {ratio} our usual ({median}, the median engagement of our posts there "
              "in the {history} before). Worth sharing while it lasts.",
        "it": "Un nostro post su {platform}, pubblicato {published}, ha {engagement} "
              "interazioni dopo {age}: {ratio} il nostro solito ({median}, la mediana delle "
              "interazioni dei nostri post lì nei {history} precedenti). Vale la pena "
              "rilanciarlo finché dura.",
    },
    "competitor_posting_surge": {
        "en": "{company} published {posts} posts in the last {window}: {ratio} its usual rate "
              "({usual} per {window} on average over the {baseline} before).",
        "it": "{company} ha pubblicato {posts} post nell'arco di {window}: {ratio} il suo "
              "ritmo abituale ({usual} ogni {window} in media, su {baseline} precedenti).",
    },
    "source_down": {
        "en": "{company}'s {platform} source ({source}) failed {failures} times in a row; "
              "{last_ok}. The last problem: {reason} ({detail}). Until it answers again, "
              "{company}'s figures miss that source, and the next digest's data health will "
              "say so.",
        "it": "La fonte {platform} di {company} ({source}) ha fallito {failures} volte di "
              "fila; {last_ok}. L'ultimo problema: {reason} ({detail}). Finché non risponde "
              "di nuovo, i dati di {company} non includono quella fonte, e lo stato dei dati "
              "del prossimo riepilogo lo dirà.",
    },
}

WORDS = {
    "en": {
        "link": "Link: {url}",
        "digest_link": "The whole digest: {url}",
        "last_ok": "the last good reading was {when}",
        "never_ok": "it has never been read",
        "footer": "An alert from Competitor Monitor, between two weekly digests. To tune or "
                  "turn alerts off: the alerts section of the configuration.",
        "hour": ("{n} hour", "{n} hours"),
        "day": ("{n} day", "{n} days"),
        "under_an_hour": "less than an hour",
    },
    "it": {
        "link": "Link: {url}",
        "digest_link": "Il riepilogo completo: {url}",
        "last_ok": "l'ultima lettura riuscita è del {when}",
        "never_ok": "non è mai stata letta",
        "footer": "Un avviso di Competitor Monitor, tra due riepiloghi settimanali. Per "
                  "regolare o spegnere gli avvisi: la sezione alerts della configurazione.",
        "hour": ("{n} ora", "{n} ore"),
        "day": ("{n} giorno", "{n} giorni"),
        "under_an_hour": "meno di un'ora",
    },
}
# fmt: on
