"""The sentences of "What it brought us", in English and Italian (slots: see monitor.wording;
`*money` is an amount in the claim's currency with cents, `*_amount` one without)."""

from __future__ import annotations


def _brought(key: str, en_noun: str, it_noun: str, it_none: str) -> dict[str, dict[str, str]]:
    """The variants of one weekly figure: with its change, unchanged, from none, alone."""
    en = key
    return {
        f"{en}:change": {
            "en": f"{en_noun} this week: {{count}}, {{change_pct}} on last week "
            "({previous_count}).",
            "it": f"{it_noun} questa settimana: {{count}}, {{change_pct}} sulla settimana scorsa "
            "({previous_count}).",
        },
        f"{en}:unchanged": {
            "en": f"{en_noun} this week: {{count}}, the same as last week.",
            "it": f"{it_noun} questa settimana: {{count}}, come la settimana scorsa.",
        },
        f"{en}:from_none": {
            "en": f"{en_noun} this week: {{count}}, against none last week.",
            "it": f"{it_noun} questa settimana: {{count}}, contro {it_none} la settimana scorsa.",
        },
        f"{en}:alone": {
            "en": f"{en_noun} this week: {{count}} (no figure for last week).",
            "it": f"{it_noun} questa settimana: {{count}} (nessun dato per la settimana scorsa).",
        },
    }


# fmt: off
OUTCOME_SENTENCES: dict[str, dict[str, str]] = {
    **_brought("brought_visits_from_social", "Visits from social", "Visite dai social",
               "nessuna"),
    **_brought("brought_signups", "Sign-ups", "Iscrizioni", "nessuna"),
    **_brought("brought_orders", "Orders", "Ordini", "nessuno"),
    "brought_revenue:change": {
        "en": "Revenue this week: {money}, {change_pct} on last week ({previous_money}).",
        "it": "Ricavi questa settimana: {money}, {change_pct} sulla settimana scorsa "
              "({previous_money}).",
    },
    "brought_revenue:unchanged": {
        "en": "Revenue this week: {money}, the same as last week.",
        "it": "Ricavi questa settimana: {money}, come la settimana scorsa.",
    },
    "brought_revenue:from_none": {
        "en": "Revenue this week: {money}, against none last week.",
        "it": "Ricavi questa settimana: {money}, contro nessuno la settimana scorsa.",
    },
    "brought_revenue:alone": {
        "en": "Revenue this week: {money} (no figure for last week).",
        "it": "Ricavi questa settimana: {money} (nessun dato per la settimana scorsa).",
    },
    "brought:no_week": {
        "en": "No figures for this week from our outcome sources yet.",
        "it": "Le nostre fonti di risultati non hanno ancora dati per questa settimana.",
    },
    "observed:same": {
        "en": "Our weeks with {threshold} or more posts brought {per_week_high} {measure} on "
              "average, against {per_week_low} in weeks with fewer ({high_weeks} and {low_weeks} "
              "weeks).",
        "it": "Le nostre settimane con {threshold} post o più hanno portato in media "
              "{per_week_high} {measure}, contro {per_week_low} nelle settimane con meno post "
              "({high_weeks} e {low_weeks} settimane).",
    },
    "observed:lag": {
        "en": "The week after one of ours with {threshold} or more posts brought "
              "{per_week_high} {measure} on average, against {per_week_low} after weeks with "
              "fewer ({high_weeks} and {low_weeks} weeks): a difference of {lag_difference_pct} "
              "a week later, against {same_difference_pct} in the same week, so the one-week "
              "lag fits our figures better.",
        "it": "La settimana dopo una nostra con {threshold} post o più ha portato in media "
              "{per_week_high} {measure}, contro {per_week_low} dopo le settimane con meno post "
              "({high_weeks} e {low_weeks} settimane): una differenza del {lag_difference_pct} "
              "una settimana dopo, contro {same_difference_pct} nella stessa settimana, quindi "
              "il ritardo di una settimana descrive meglio i nostri dati.",
    },
    "observed:none": {
        "en": "Not enough history yet to set what social brought us beside how much we posted: "
              "that needs at least {min_weeks} weeks with figures on each side.",
        "it": "Non c'è ancora abbastanza storia per confrontare quello che i social ci hanno "
              "portato con quanto abbiamo pubblicato: servono almeno {min_weeks} settimane con "
              "dati per parte.",
    },
    "cost:per_visit": {
        "en": "Cost per visit from social this week: {cost_money} ({spend_amount} spent, "
              "{visits} visits).",
        "it": "Costo per visita dai social questa settimana: {cost_money} ({spend_amount} spesi, "
              "{visits} visite).",
    },
    "cost:per_engagement": {
        "en": "Cost per engagement this week: {cost_money} ({spend_amount} spent, {engagement} "
              "engagement).",
        "it": "Costo per interazione questa settimana: {cost_money} ({spend_amount} spesi, "
              "{engagement} interazioni).",
    },
    "cost:trend": {
        "en": "Cost per visit from social went from {first_money} in the first {span} of our "
              "last {weeks} weeks with a spend to {last_money} in the last {span}.",
        "it": "Il costo per visita dai social è passato da {first_money} nelle prime {span} "
              "delle nostre ultime {weeks} settimane con una spesa a {last_money} nelle ultime "
              "{span}.",
    },
}
# fmt: on

MEASURES = {
    "en": {"visits_from_social": "visits from social", "signups": "sign-ups", "orders": "orders"},
    "it": {"visits_from_social": "visite dai social", "signups": "iscrizioni", "orders": "ordini"},
}
