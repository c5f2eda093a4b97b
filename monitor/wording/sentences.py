"""Every sentence the digest's argument can say, in English and Italian.

Keys are `kind` or `kind:variant`; `note:*` sentences are appended to a claim in place of its
final full stop (a caveat, the audience split, the lever). Slots: see monitor/wording.
"""

from __future__ import annotations

from monitor.wording.outcome_sentences import OUTCOME_SENTENCES

# fmt: off
VERDICTS = {
    "verdict:behind": {
        "en": "{company} earned {ratio} our engagement ({theirs} against our {ours}): it posts "
              "{posts_ratio} as often, and each of its posts earns {per_post_ratio} ours.",
        "it": "{company} ha ottenuto {ratio} le nostre interazioni ({theirs} contro le nostre "
              "{ours}): pubblica {posts_ratio} più di noi, e ogni suo post ottiene "
              "{per_post_ratio} i nostri.",
    },
    "verdict:behind_volume": {
        "en": "{company} earned {ratio} our engagement ({theirs} against our {ours}), all of it "
              "from posting {posts_ratio} as often: per post we earn as much or more "
              "({per_post_ours} against {per_post_theirs}).",
        "it": "{company} ha ottenuto {ratio} le nostre interazioni ({theirs} contro le nostre "
              "{ours}), tutto perché pubblica {posts_ratio} più di noi: per post otteniamo "
              "altrettanto o di più ({per_post_ours} contro {per_post_theirs}).",
    },
    "verdict:behind_per_post": {
        "en": "{company} earned {ratio} our engagement ({theirs} against our {ours}), all of it "
              "per post: each of its posts earns {per_post_ratio} ours ({posts_theirs} posts "
              "against our {posts_ours}).",
        "it": "{company} ha ottenuto {ratio} le nostre interazioni ({theirs} contro le nostre "
              "{ours}), tutto per post: ogni suo post ottiene {per_post_ratio} i nostri "
              "({posts_theirs} post contro i nostri {posts_ours}).",
    },
    "verdict:ahead": {
        "en": "We earned {ratio} the engagement of {company}, the strongest competitor ({ours} "
              "against {theirs}): we post {posts_ratio} as often, and each of our posts earns "
              "{per_post_ratio} theirs.",
        "it": "Abbiamo ottenuto {ratio} le interazioni di {company}, il concorrente più forte "
              "({ours} contro {theirs}): pubblichiamo {posts_ratio} più di loro, e ogni nostro "
              "post ottiene {per_post_ratio} i loro.",
    },
    "verdict:ahead_volume": {
        "en": "We earned {ratio} the engagement of {company}, the strongest competitor ({ours} "
              "against {theirs}), all of it from posting {posts_ratio} as often: per post "
              "{company} earns as much or more ({per_post_theirs} against our {per_post_ours}).",
        "it": "Abbiamo ottenuto {ratio} le interazioni di {company}, il concorrente più forte "
              "({ours} contro {theirs}), tutto perché pubblichiamo {posts_ratio} più di loro: per "
              "post {company} ottiene altrettanto o di più ({per_post_theirs} contro i nostri "
              "{per_post_ours}).",
    },
    "verdict:ahead_per_post": {
        "en": "We earned {ratio} the engagement of {company}, the strongest competitor ({ours} "
              "against {theirs}), all of it per post: each of our posts earns {per_post_ratio} "
              "theirs ({posts_ours} posts against {posts_theirs}).",
        "it": "Abbiamo ottenuto {ratio} le interazioni di {company}, il concorrente più forte "
              "({ours} contro {theirs}), tutto per post: ogni nostro post ottiene "
              "{per_post_ratio} i loro ({posts_ours} post contro {posts_theirs}).",
    },
    "verdict:level": {
        "en": "We earned about as much engagement as {company}, the strongest competitor "
              "({ours} against {theirs}), with {posts_ours} posts against {posts_theirs}.",
        "it": "Abbiamo ottenuto circa le stesse interazioni di {company}, il concorrente più "
              "forte ({ours} contro {theirs}), con {posts_ours} post contro {posts_theirs}.",
    },
    "verdict:zero_ours": {
        "en": "{company} earned {theirs} engagement, and our {posts_ours} {posts_ours|post} "
              "earned none.",
        "it": "{company} ha ottenuto {theirs} interazioni, i nostri {posts_ours} post nessuna.",
    },
    "verdict:silent": {
        "en": "We did not post this week, while our competitors published {competitor_posts} "
              "{competitor_posts|post} and earned {competitor_engagement} engagement.",
        "it": "Questa settimana non abbiamo pubblicato nulla, mentre i concorrenti hanno "
              "pubblicato {competitor_posts} post e ottenuto {competitor_engagement} interazioni.",
    },
    "verdict:too_few": {
        "en": "We published {posts_ours} {posts_ours|post} this week: too few for a fair "
              "comparison (we compare from {floor} posts a week).",
        "it": "Questa settimana abbiamo pubblicato {posts_ours} post: troppo pochi per un "
              "confronto equo (confrontiamo da {floor} post a settimana).",
    },
    "verdict:no_rival": {
        "en": "No competitor published enough posts this week for a fair comparison (we compare "
              "from {floor} posts a week).",
        "it": "Questa settimana nessun concorrente ha pubblicato abbastanza post per un "
              "confronto equo (confrontiamo da {floor} post a settimana).",
    },
    "note:audience_only": {
        "en": "; on {platforms}, where both audiences are known, that per-post gap comes from a "
              "{audience_ratio} larger audience: per follower our posts do as well as "
              "{company}'s ({ours_rate} against {theirs_rate}).",
        "it": "; su {platforms}, dove entrambi i pubblici sono noti, il divario per post viene "
              "da un pubblico {audience_ratio} più grande: per follower i nostri post rendono "
              "quanto quelli di {company} ({ours_rate} contro {theirs_rate}).",
    },
    "note:audience_better": {
        "en": "; on {platforms}, where both audiences are known, that per-post gap comes from a "
              "{audience_ratio} larger audience: per follower our posts earn more than "
              "{company}'s ({ours_rate} against {theirs_rate}).",
        "it": "; su {platforms}, dove entrambi i pubblici sono noti, il divario per post viene "
              "da un pubblico {audience_ratio} più grande: per follower i nostri post rendono più "
              "di quelli di {company} ({ours_rate} contro {theirs_rate}).",
    },
    "note:audience_and_rate": {
        "en": "; on {platforms}, where both audiences are known, {company}'s audience is "
              "{audience_ratio} ours and its posts also earn {follower_ratio} ours per follower "
              "({theirs_rate} against {ours_rate}).",
        "it": "; su {platforms}, dove entrambi i pubblici sono noti, il pubblico di {company} è "
              "{audience_ratio} il nostro e i suoi post rendono anche {follower_ratio} i nostri "
              "per follower ({theirs_rate} contro {ours_rate}).",
    },
    "note:lever_volume": {
        "en": "; the lever in our hands is how often we post.",
        "it": "; la leva nelle nostre mani è quanto spesso pubblichiamo.",
    },
    "note:lever_content": {
        "en": "; the lever in our hands is what each post earns per follower.",
        "it": "; la leva nelle nostre mani è quanto rende ogni post per follower.",
    },
    "note:lever_audience": {
        "en": "; the gap is the size of the audience, which grows with posting regularly.",
        "it": "; il divario è la dimensione del pubblico, che cresce pubblicando con costanza.",
    },
    "note:one_post": {
        "en": ". Mostly one post: {top_post} of {company}'s {week_total}; without it, "
              "{without_ratio}.",
        "it": ". Soprattutto un solo post: {top_post} delle {week_total} di {company}; senza, "
              "{without_ratio}.",
    },
    "note:incomplete": {
        "en": " (figures for {incomplete} may be low: a source failed).",
        "it": " (i dati di {incomplete} potrebbero essere bassi: una fonte non ha risposto).",
    },
}

SUBJECTS = {
    "verdict:behind": {
        "en": "{company} earned {ratio} our engagement · week {week}",
        "it": "{company} ha ottenuto {ratio} le nostre interazioni · settimana {week}",
    },
    "verdict:ahead": {
        "en": "We earned {ratio} {company}'s engagement · week {week}",
        "it": "Abbiamo ottenuto {ratio} le interazioni di {company} · settimana {week}",
    },
    "verdict:level": {
        "en": "Our engagement matched {company}'s · week {week}",
        "it": "Interazioni alla pari con {company} · settimana {week}",
    },
    "verdict:zero_ours": {
        "en": "Our posts earned no engagement, {company} {theirs} · week {week}",
        "it": "Nessuna interazione per noi, {company} {theirs} · settimana {week}",
    },
    "verdict:silent": {
        "en": "We did not post; competitors posted {competitor_posts} · week {week}",
        "it": "Non abbiamo pubblicato; i concorrenti {competitor_posts} post · "
              "settimana {week}",
    },
    "verdict:too_few": {
        "en": "Too few posts for a fair comparison · week {week}",
        "it": "Troppo pochi post per un confronto equo · settimana {week}",
    },
    "verdict:one_post": {
        "en": "{company}: one post earned {top_post} engagement · week {week}",
        "it": "{company}: un solo post con {top_post} interazioni · settimana {week}",
    },
    "empty": {
        "en": "No posts collected · week {week}",
        "it": "Nessun post raccolto · settimana {week}",
    },
}

TAKEAWAYS = {
    "out_posting": {
        "en": "{company} posted {ratio} as often as we did ({theirs} {theirs|post} against our "
              "{ours}).",
        "it": "{company} ha pubblicato {ratio} più di noi ({theirs} post contro i nostri {ours}).",
    },
    "out_engaging_per_post": {
        "en": "Each {company} post earned {ratio} ours ({per_post_theirs} engagement per post "
              "against our {per_post_ours}).",
        "it": "Ogni post di {company} ha ottenuto {ratio} i nostri ({per_post_theirs} "
              "interazioni per post contro {per_post_ours}).",
    },
    "change:up": {
        "en": "{company}'s engagement rose {size_percent} on last week ({theirs} against "
              "{previous}).",
        "it": "Le interazioni di {company} sono cresciute del {size_percent} rispetto alla "
              "settimana scorsa ({theirs} contro {previous}).",
    },
    "change:down": {
        "en": "{company}'s engagement fell {size_percent} on last week ({theirs} against "
              "{previous}).",
        "it": "Le interazioni di {company} sono calate del {size_percent} rispetto alla "
              "settimana scorsa ({theirs} contro {previous}).",
    },
    "note:one_post_change": {
        "en": ". Mostly one post: {top_post} of {theirs}; without it, {without_pct}.",
        "it": ". Soprattutto un solo post: {top_post} su {theirs}; senza, {without_pct}.",
    },
    "audience_growth": {
        "en": "{company} grew its audience fastest: {growth_pct} ({change} {change|follower}) "
              "this week.",
        "it": "{company} ha fatto crescere il pubblico più di tutti: {growth_pct} ({change} "
              "follower) questa settimana.",
    },
    "audience_growth:us_known": {
        "en": "{company} grew its audience fastest: {growth_pct} ({change} {change|follower}) "
              "this week; ours changed by {ours_pct}.",
        "it": "{company} ha fatto crescere il pubblico più di tutti: {growth_pct} ({change} "
              "follower) questa settimana; il nostro è variato del {ours_pct}.",
    },
    "audience_growth:self": {
        "en": "We grew our audience fastest of all: {growth_pct} ({change} {change|follower}) "
              "this week.",
        "it": "Il nostro pubblico è cresciuto più di tutti: {growth_pct} ({change} follower) "
              "questa settimana.",
    },
    "content_works": {
        "en": "On {platform}, {media} earned {ratio} the engagement of the other posts "
              "({per_post} per post against {per_post_others}, over {posts} and {other_posts} "
              "posts).",
        "it": "Su {platform}, {media} hanno ottenuto {ratio} le interazioni degli altri post "
              "({per_post} per post contro {per_post_others}, su {posts} e {other_posts} post).",
    },
    "breakout": {
        "en": "A post by {company} broke out: {engagement} engagement, {ratio} its usual "
              "({median}).",
        "it": "Un post di {company} è esploso: {engagement} interazioni, {ratio} il suo solito "
              "({median}).",
    },
    "conversation_gap:behind": {
        "en": "In what others posted this week, {company} was mentioned {ratio} as often as we "
              "were ({theirs} mentions against our {ours}; {their_share} of the conversation "
              "against {our_share}).",
        "it": "In ciò che altri hanno pubblicato questa settimana, {company} è stata citata "
              "{ratio} più di noi ({theirs} menzioni contro le nostre {ours}; {their_share} "
              "della conversazione contro {our_share}).",
    },
    "conversation_gap:few_ours": {
        "en": "{company} was mentioned {theirs} times in what others posted this week; we were "
              "mentioned only {ours} {ours|time} ({their_share} of the conversation against "
              "{our_share}).",
        "it": "{company} è stata citata {theirs} volte in ciò che altri hanno pubblicato questa "
              "settimana; noi solo {ours} {ours|time} ({their_share} della conversazione contro "
              "{our_share}).",
    },
    "conversation_gap:none_ours": {
        "en": "{company} was mentioned {theirs} times in what others posted this week; we were "
              "not mentioned at all.",
        "it": "{company} è stata citata {theirs} volte in ciò che altri hanno pubblicato questa "
              "settimana; noi nemmeno una.",
    },
    "conversation_gap:ahead": {
        "en": "In what others posted this week, we were mentioned {ratio} as often as {company}, "
              "the most-mentioned competitor ({ours} mentions against {theirs}; {our_share} of "
              "the conversation against {their_share}).",
        "it": "In ciò che altri hanno pubblicato questa settimana, siamo stati citati {ratio} più "
              "di {company}, il concorrente più citato ({ours} menzioni contro {theirs}; "
              "{our_share} della conversazione contro {their_share}).",
    },
    "incomplete_data": {
        "en": "Figures for {names} may be low: a source failed during the week.",
        "it": "I dati di {names} potrebbero essere bassi: una fonte non ha risposto durante la "
              "settimana.",
    },
}

EVIDENCE = {
    "evidence:volume": {
        "en": "Our {high_weeks} weeks with {threshold} or more posts earned {per_week_high} "
              "engagement on average, {ratio} our {low_weeks} weeks with fewer ({per_week_low}).",
        "it": "Le nostre {high_weeks} settimane con {threshold} post o più hanno ottenuto in "
              "media {per_week_high} interazioni, {ratio} le {low_weeks} settimane con meno post "
              "({per_week_low}).",
    },
    "evidence:video": {
        "en": "Our {high_weeks} weeks with a video earned {per_week_high} engagement on average, "
              "{ratio} our {low_weeks} weeks without one ({per_week_low}).",
        "it": "Le nostre {high_weeks} settimane con un video hanno ottenuto in media "
              "{per_week_high} interazioni, {ratio} le {low_weeks} settimane senza "
              "({per_week_low}).",
    },
    "evidence:platform": {
        "en": "In our {high_weeks} weeks since we started on {platform}, we earned "
              "{per_week_high} engagement a week on average, {ratio} the {low_weeks} weeks "
              "before ({per_week_low}).",
        "it": "Nelle {high_weeks} settimane da quando siamo su {platform} abbiamo ottenuto in "
              "media {per_week_high} interazioni a settimana, {ratio} le {low_weeks} settimane "
              "precedenti ({per_week_low}).",
    },
    "evidence:none": {
        "en": "Not enough history yet to see what works for us: a comparison needs at least "
              "{min_weeks} of our weeks on each side.",
        "it": "Non c'è ancora abbastanza storia per vedere cosa funziona per noi: un confronto "
              "richiede almeno {min_weeks} nostre settimane per parte.",
    },
    "long:widening": {
        "en": "Over the last {weeks} weeks our share of engagement went from {first_share} to "
              "{last_share}, and our gap to the leader widened from {first_ratio} to "
              "{last_ratio} (the first {span} weeks against the last {span}).",
        "it": "Nelle ultime {weeks} settimane la nostra quota di interazioni è passata dal "
              "{first_share} al {last_share}, e il divario dal primo è cresciuto da "
              "{first_ratio} a {last_ratio} (le prime {span} settimane contro le ultime {span}).",
    },
    "long:closing": {
        "en": "Over the last {weeks} weeks our share of engagement went from {first_share} to "
              "{last_share}, and our gap to the leader closed from {first_ratio} to "
              "{last_ratio} (the first {span} weeks against the last {span}).",
        "it": "Nelle ultime {weeks} settimane la nostra quota di interazioni è passata dal "
              "{first_share} al {last_share}, e il divario dal primo si è ridotto da "
              "{first_ratio} a {last_ratio} (le prime {span} settimane contro le ultime {span}).",
    },
    "long:steady": {
        "en": "Over the last {weeks} weeks our share of engagement went from {first_share} to "
              "{last_share}, and our gap to the leader held at about {last_ratio} (the first "
              "{span} weeks against the last {span}).",
        "it": "Nelle ultime {weeks} settimane la nostra quota di interazioni è passata dal "
              "{first_share} al {last_share}, e il divario dal primo è rimasto intorno a "
              "{last_ratio} (le prime {span} settimane contro le ultime {span}).",
    },
    "long:none": {
        "en": "Not enough weeks of figures yet for the long view (it needs {min_weeks}).",
        "it": "Non ci sono ancora abbastanza settimane di dati per la tendenza (ne servono "
              "{min_weeks}).",
    },
}
# fmt: on

SENTENCES: dict[str, dict[str, str]] = {**VERDICTS, **TAKEAWAYS, **EVIDENCE, **OUTCOME_SENTENCES}

NOUNS = {
    "en": {
        "post": ("post", "posts"),
        "follower": ("follower", "followers"),
        "time": ("time", "times"),
    },
    "it": {
        "post": ("post", "post"),
        "follower": ("follower", "follower"),
        "time": ("volta", "volte"),
    },
}
MEDIA = {
    "en": {"text": "text posts", "link": "link posts", "image": "image posts",
           "video": "video posts", "audio": "audio posts", "document": "document posts",
           "poll": "polls"},
    "it": {"text": "i post di solo testo", "link": "i post con link",
           "image": "i post con immagini", "video": "i video", "audio": "gli audio",
           "document": "i documenti", "poll": "i sondaggi"},
}  # fmt: skip
