"""Every sentence residents read, in one place, in plain and short French.

A prompt must fit one SMS (160 characters) once its numbered choices are added; the test
suite counts them. Placeholders use str.format names.

French is the source. Other languages live in locales/<code>/LC_MESSAGES/messages.po, one
entry per key (msgctxt = the key, msgid = the French text here); `text()` and `CHOICES`
answer in the language of the conversation being handled (bot/language.py) and fall back to
the French below for a key not (or no longer) translated. `python -m bot.i18n check` lists
what a language misses.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from bot import language

TEXTS: dict[str, str] = {
    # Campaigns (« aller vers »): the default invitation and reminder the project team edits.
    # No link (carriers block them in bulk, people distrust them), the sender named, why,
    # how to answer, STOP. The console refuses an invitation without these.
    "campaign_invitation": (
        "Bonjour, ici Passerelle, le service d'aide aux droits de {territory}. {why} "
        "Vous avez peut-être droit à des aides. Répondez BONJOUR pour le vérifier en "
        "5 minutes, gratuitement. STOP pour ne plus recevoir de SMS."
    ),
    "campaign_why": "Notre partenaire {source} nous a donné votre numéro.",
    "campaign_why_default": "Un partenaire du quartier nous a donné votre numéro.",
    "campaign_reminder": (
        "Passerelle, l'aide aux droits : vous pouvez toujours vérifier vos droits en "
        "5 minutes. Répondez BONJOUR pour commencer. STOP pour ne plus recevoir de SMS."
    ),
    # Field mode: a check started in the street with an « ambassadeur des droits ». The
    # one-time SMS asks the consent (OUI starts the normal consent step); the result and
    # the booked slot follow by SMS, after this line.
    "field_consent_sms": (
        "Passerelle, avec l'ambassadeur des droits : je garde vos réponses {months} mois, "
        "SUPPRIMER efface tout. D'accord ? Répondez OUI. STOP : plus de SMS."
    ),
    "field_result": "Passerelle : le résultat de votre test avec l'ambassadeur des droits.",
    # Welcome and consent
    # Greeting and privacy go out together: one SMS of 160 characters with « 1. Oui 2. Non ».
    "greeting": "Bonjour, ici Passerelle : je vous aide à connaître vos droits et à les demander.",
    "privacy": "Je garde vos réponses {months} mois. SUPPRIMER efface tout. D'accord ?",
    "consent_reask": "Répondez 1 pour Oui ou 2 pour Non.",
    "declined": (
        "D'accord, je ne garde rien. Infos générales : mes-aides.france-services.gouv.fr. "
        "Une personne peut vous aider : {contact}"
    ),
    "declined_again": "Écrivez OUI pour faire le test, ou CONSEILLER pour parler à une personne.",
    # Choosing a moment of life
    "ask_moment": "Qu'est-ce qui vous amène ?",
    "ask_moment_first": "Merci ! Qu'est-ce qui vous amène ?",
    "moment_reask": "Répondez avec un chiffre, par exemple : 1",
    # Questions (key: ask_<answer key>) and their re-asks (reask_<answer key>)
    "ask_age": "Quel est votre âge ? (Écrivez CONSEILLER à tout moment pour parler à une personne.)",
    "reask_age": "Je n'ai pas compris. Écrivez votre âge en chiffres, par exemple : 34",
    "ask_age_postcode": (
        "Quel est votre âge et votre code postal ? Par exemple : 34 ans, 67100 "
        "(CONSEILLER à tout moment pour parler à une personne)"
    ),
    "reask_age_postcode": (
        "Je n'ai pas compris. Écrivez votre âge et votre code postal, par exemple : 34, 67100"
    ),
    "ask_postcode": "Quel est votre code postal ?",
    "reask_postcode": "Je n'ai pas compris. Écrivez les 5 chiffres, par exemple : 67100",
    "ask_household": "Vous vivez :",
    "reask_household": "Répondez avec un chiffre de 1 à 4, par exemple : 1",
    "ask_partner_income": "Combien gagne votre conjoint(e) par mois, net ? Écrivez 0 si rien.",
    "reask_partner_income": "Je n'ai pas compris. Écrivez un montant, par exemple : 1200",
    "ask_children_ages": "Quel âge ont vos enfants ? Par exemple : 3 et 7 (0 pour un bébé)",
    "reask_children_ages": "Je n'ai pas compris. Écrivez leurs âges, par exemple : 3 et 7",
    "ask_housing": "Votre logement :",
    "reask_housing": "Répondez avec un chiffre de 1 à 5, par exemple : 1",
    "ask_housing_rent": "Votre logement (et le loyer, ex. : 1, 480) :",
    "reask_housing_rent": "Répondez avec un chiffre de 1 à 5, et le loyer si vous louez. Ex. : 1, 480",
    "ask_rent": "Combien payez-vous de loyer par mois, charges comprises ?",
    "reask_rent": "Je n'ai pas compris. Écrivez un montant, par exemple : 500",
    "ask_disability": "Avez-vous un handicap reconnu par la MDPH ?",
    "reask_disability": "Répondez 1 pour Oui ou 2 pour Non.",
    "ask_disability_rate": "Quel taux de handicap la MDPH a-t-elle reconnu ?",
    "reask_disability_rate": "Répondez 1, 2 ou 3, ou le taux (par exemple : 50 %), ou : je ne "
                             "sais pas",
    "fact_disability_rate": "taux {value} %",
    "fact_disability_rate_unknown": "taux non connu",
    "ask_salary": "Combien gagnez-vous de salaire par mois, net ? Écrivez 0 si rien.",
    "reask_salary": "Je n'ai pas compris. Écrivez un montant, par exemple : 800",
    "ask_salary_partner_income": (
        "Combien gagnez-vous par mois, net ? Et votre conjoint(e) ? Par exemple : 800 et 1200 "
        "(0 si rien)"
    ),
    "reask_salary_partner_income": (
        "Je n'ai pas compris. Écrivez vos deux salaires, vous puis votre conjoint(e), par "
        "exemple : 800 et 1200"
    ),
    "ask_unemployment": "Combien touchez-vous de chômage par mois ? Écrivez 0 si rien.",
    "reask_unemployment": "Je n'ai pas compris. Écrivez un montant, par exemple : 600",
    "ask_pension": "Combien touchez-vous de retraite par mois, net ? Écrivez 0 si rien.",
    "reask_pension": "Je n'ai pas compris. Écrivez un montant, par exemple : 900",
    "ask_other_income": "Avez-vous d'autres revenus par mois ? Écrivez 0 si rien.",
    "reask_other_income": "Je n'ai pas compris. Écrivez un montant, par exemple : 100",
    # Facts understood in a sentence, confirmed before they count
    "confirm_noted": "J'ai noté : {facts}. C'est bien ça ?",
    "confirm_reask": "Répondez 1 si c'est juste, 2 si c'est faux.",
    "confirm_dropped": "D'accord, je vous pose les questions.",
    "corrected": "C'est corrigé : {facts}.",
    # Before the result, every fact the check uses, read back (issue 25); Oui / Non follow.
    "recap": "Je vérifie : {facts}. C'est juste ?",
    "recap_which": "Que faut-il corriger ? Écrivez son numéro, ou la bonne réponse.",
    "recap_partner_income": "conjoint(e) {value} €",
    "fact_age": "{value} ans",
    "fact_postcode": "code postal {value}",
    "fact_household_single": "seul(e)",
    "fact_household_single_with_children": "seul(e) avec enfant(s)",
    "fact_household_couple": "en couple",
    "fact_household_couple_with_children": "en couple avec enfant(s)",
    "fact_children_ages": "enfants de {value} ans",
    "fact_housing_tenant": "locataire",
    "fact_housing_social_tenant": "logement social",
    "fact_housing_owner": "propriétaire",
    "fact_housing_hosted": "hébergé(e) gratuitement",
    "fact_housing_homeless": "sans logement",
    "fact_rent": "loyer {value} €",
    "fact_salary": "salaire {value} €",
    "fact_unemployment": "chômage {value} €",
    "fact_pension": "retraite {value} €",
    "fact_other_income": "autres revenus {value} €",
    "fact_partner_income": "revenus du conjoint {value} €",
    "fact_disability_yes": "handicap reconnu",
    "fact_disability_no": "pas de handicap",
    # « Je ne sais pas » for an amount: ranges to choose from
    "ask_range": "Pas de souci. À peu près combien par mois ?",
    # Not understood twice: the question stays open, a person is one word away
    "not_understood_again": "Je n'ai pas compris. Écrivez CONSEILLER pour parler à une personne, ou :",
    # Photos, voice notes, files
    "media_only_text": (
        "Je ne lis que les messages écrits. Écrivez votre réponse, ou CONSEILLER pour parler "
        "à une personne."
    ),
    # « De toute façon je n'ai droit à rien »
    "encourage": (
        "Beaucoup de gens pensent ça et ont pourtant droit à une aide. Faisons le point, "
        "c'est rapide."
    ),
    "resumed": "On reprend le test.",
    # Result
    "computing": "Merci ! Je calcule vos droits…",
    "result_intro": "Vous avez probablement droit à (estimation) :",
    "result_line": "- {name} : {amount} €{per}",
    "result_line_no_amount": "- {name}",
    "result_detail": "{label} : {sentence}\nOù : {where}. {link}\nÀ apporter : {documents}.",
    "details_hint": "DETAILS : comment les demander.",
    "result_more": "Et {count} autre(s) : écrivez DETAILS.",
    # DETAILS with several rights: one line each, then the one asked (results.show_details).
    "details_which": "Pour laquelle ? Répondez par son numéro.",
    "result_none": (
        "Je ne trouve pas d'aide probable avec ces réponses. Une personne peut vérifier avec vous."
    ),
    "estimate": "C'est une estimation, pas une décision : c'est l'organisme qui décide.",
    "offer_human": "Voulez-vous en parler avec une personne ?",
    "rules_failed": "Désolé, le calcul n'a pas marché. Une personne peut vous aider : {contact}",
    "after_thanks": "Avec plaisir ! Écrivez ici quand vous voulez : 1 pour parler à une personne.",
    "followup_same": "Merci. Ces réponses ne changent pas le résultat ci-dessus.",
    "question_for_person": "Je ne sais pas répondre à cette question ici. Une personne peut : "
                           "répondez 1 pour un rendez-vous.",
    "after_result_reask": "Répondez 1 pour parler à une personne, ou 2 pour recommencer.",
    "right_not_found": "{name} : pas probable avec vos réponses. Une personne peut vérifier avec vous.",
    # Follow-up after the first result (questions.FOLLOWUPS): a few more questions, if wanted
    "offer_followup": ("Pour vérifier {aids} aide(s) de plus : encore {count} question(s). "
                       "Répondez ENCORE."),
    "followup_declined": "D'accord, le résultat reste celui-ci.",
    "ask_job_seeker": "Êtes-vous inscrit(e) à France Travail (Pôle emploi) ?",
    "reask_job_seeker": "Répondez 1 pour Oui ou 2 pour Non.",
    "ask_student": "Êtes-vous étudiant(e) ?",
    "reask_student": "Répondez 1 pour Oui ou 2 pour Non.",
    "ask_separated_recently": "Êtes-vous séparé(e) depuis moins de 18 mois ?",
    "reask_separated_recently": "Répondez 1 pour Oui ou 2 pour Non.",
    "ask_alimony_received": ("Combien l'autre parent vous verse-t-il de pension alimentaire "
                             "par mois ? (0 si rien)"),
    "reask_alimony_received": "Écrivez le montant par mois en chiffres, par exemple : 150 ou 0",
    "fact_alimony_received": "pension alimentaire {value} €",
    "fact_job_seeker_yes": "inscrit(e) à France Travail",
    "fact_job_seeker_no": "pas inscrit(e) à France Travail",
    "fact_student_yes": "étudiant(e)",
    "fact_student_no": "pas étudiant(e)",
    "fact_separated_recently_yes": "séparé(e) depuis moins de 18 mois",
    "fact_separated_recently_no": "pas de séparation récente",
    "fact_child_disability_yes": "un enfant handicapé",
    "fact_child_disability_no": "pas d'enfant handicapé",
    "fact_autonomy_loss_yes": "perte d'autonomie",
    "fact_autonomy_loss_no": "pas de perte d'autonomie",
    "fact_partner_age": "conjoint(e) de {value} ans",
    "fact_children_school": "classes : {value}",
    "ask_children_school": ("En quelle classe sont vos enfants de 10 à 18 ans ? "
                            "(ex. : collège, 4e, lycée)"),
    "reask_children_school": "Écrivez par exemple : collège, lycée, ou « 4e et lycée ».",
    "ask_child_disability": "Un de vos enfants a-t-il un handicap ?",
    "reask_child_disability": "Répondez 1 pour Oui ou 2 pour Non.",
    "ask_disabled_children": "Lequel ? Par exemple : le 2e, celui de 8 ans, les deux",
    "reask_disabled_children": "Écrivez son âge ou son rang, par exemple : 8 ans, ou le 2e",
    "fact_disabled_children": "handicap de l'enfant n° {value}",
    "ask_autonomy_loss": "Avez-vous besoin d'aide pour les gestes du quotidien (perte d'autonomie) ?",
    "reask_autonomy_loss": "Répondez 1 pour Oui ou 2 pour Non.",
    "ask_partner_age": "Quel âge a votre conjoint(e) ?",
    "ask_partner_disability": "Votre conjoint(e) a-t-il ou elle un handicap reconnu par la MDPH ?",
    "reask_partner_disability": "Répondez 1 pour Oui ou 2 pour Non.",
    "fact_partner_disability_yes": "conjoint(e) handicapé(e)",
    "fact_partner_disability_no": "conjoint(e) sans handicap",
    "reask_partner_age": "Écrivez son âge en chiffres, par exemple : 62",
    # The optional question on sex after the result (issue 16): anonymous counts only.
    # No numbered choices: 1 and 2 keep meaning what the result's menu says.
    "ask_sex": ("Facultatif, pour nos chiffres anonymes : vous êtes Femme, Homme, Autre, "
                "ou Je préfère ne pas dire ?"),
    "sex_thanks": "Merci, c'est compté sans votre nom et sans garder votre réponse.",
    # Emergencies come first, before anything else the bot says
    "urgent": (
        "En danger : 17 ou 112. Violences conjugales : 3919. Enfant en danger : 119. "
        "Abri pour la nuit : 115. Idées suicidaires : 3114. Appels gratuits."
    ),
    # « À la rue » answering the housing question, nothing else said: the number that helps.
    "urgent_shelter": "Pour dormir à l'abri ce soir : 115 (appel gratuit). En danger : 17 ou 112.",
    # Languages (bot/dialogue/language.py): LANGUE at any step, or a first message in
    # another language. back_to_french is always sent in French: it is for French readers.
    "language_chosen": "C'est noté : je vous écris en français.",
    "back_to_french": "En français : écrivez FRANCAIS.",
    # The resident's own questions (bot/dialogue/asked.py): who we are, what a word means.
    "about_service": "Passerelle est un service public gratuit pour connaître vos droits, avec "
                     "les services sociaux de votre ville. Jamais d'argent ni de code demandé. "
                     "Une personne : {contact}",
    # Fears answered where they are said (asked.py): the known traps and what is true.
    # Acronyms in capitals become NLU training words (bot/command_words.py): the rights are
    # written as service-public.fr writes them (Aspa, Apa), and retraining is avoided.
    "worry_estate": "Le minimum vieillesse (Aspa, Asi) peut être repris après le décès, seulement "
                    "si l'héritage dépasse environ 100 000 €, et seulement sur ce qui dépasse. Le "
                    "RSA, les aides au logement, l'AAH et l'Apa ne sont jamais repris.",
    "worry_payback": "Demander une aide n'est jamais une fraude. Pour ne rien rembourser : dites à "
                     "la CAF quand votre situation change (salaire, couple, adresse).",
    "worry_court": "L'allocation de soutien familial commence sans jugement. Après 4 mois, la "
                   "CAF demande en général de demander une pension au juge : elle peut vous "
                   "aider. En cas de violences, ce n'est pas demandé.",
    "worry_papers": "La plupart des aides demandent un titre de séjour valable. Sans titre, "
                    "l'aide médicale de l'État (soins) reste possible. Une personne peut regarder "
                    "votre cas : {contact}",
    "term_right": "{label} : {sentence}",
    "term_where": "À demander : {where}",
    # What is asked about a right (asked.py): its documents, delay, who can get it, how much.
    "term_documents": "{name}, les papiers à préparer : {documents}.",
    "term_delay": "{name} : {delay}",
    "delay_general": "{name} : la réponse prend en général 1 à 2 mois, et le droit compte à "
                     "partir de la demande. Faites-la tôt.",
    "term_who": "{name}, pour qui ? {who}",
    "term_amount": "{name} : pour vous, environ {amount} €{per}.",
    "term_amount_depends": "{name} : le montant dépend des revenus et du foyer. Le test le "
                           "calcule pour vous.",
    "term_mdph": "La MDPH (Maison départementale des personnes handicapées) reconnaît un "
                 "handicap et son taux. Elle ouvre l'AAH, l'AEEH et la carte d'invalidité.",
    "term_caf": "La CAF (Caisse d'allocations familiales) verse le RSA, la prime d'activité, "
                "les aides au logement et les allocations familiales. En ligne : caf.fr",
    "term_cpam": "La CPAM (Assurance maladie) rembourse vos soins et donne la CSS, une "
                 "mutuelle gratuite ou presque. En ligne : ameli.fr",
    "term_france_travail": "France Travail (ex-Pôle emploi) aide à trouver un emploi et verse "
                           "l'allocation chômage. En ligne : francetravail.fr",
    "term_hlm": "Un HLM est un logement social : un loyer plus bas. La demande se fait en "
                "ligne (demande-logement-social.gouv.fr) ou à la mairie.",
    "term_france_services": "France Services : un guichet public près de chez vous, où une "
                            "personne vous aide à faire vos demandes (CAF, impôts, santé).",
    # Sent in the language offered (a greeting or Darija in Latin letters): its own name to type.
    "language_offer": "Vous préférez le français ? Écrivez FRANCAIS.",
    "language_reask": "Répondez avec le chiffre de votre langue, par exemple : 1",
    # Navigation and commands
    "human_contact": "Une personne peut vous aider : {contact}",
    "no_previous": "C'est la première question.",
    "restarted": "On recommence.",
    "erased": ("C'est fait : toutes vos données sont effacées (réponses, résultats, messages, "
               "rendez-vous). Écrivez bonjour pour recommencer."),
    # Asked before an act that cannot be undone when it was not asked with its own word
    # (bot/dialogue/irreversible.py); the Oui / Non choices follow.
    "confirm_erase": ("Effacer toutes vos réponses, vos résultats et vos messages ? "
                      "Répondez OUI pour effacer."),
    "confirm_stop": "Arrêter tous les messages de Passerelle ? Répondez OUI pour arrêter.",
    "confirm_cancel": "Annuler votre rendez-vous ? Répondez OUI pour l'annuler.",
    "kept": "D'accord, je ne change rien.",
    # Abuse limits (common/ratelimit.py, handoff/booking.py)
    "too_many_messages": "Trop de messages, attendez une minute.",
    "too_many_conversations": ("Trop de nouvelles conversations depuis cette adresse. "
                               "Réessayez dans quelques minutes."),
    "too_many_bookings": ("Vous avez déjà {count} rendez-vous à venir : c'est le maximum. "
                          "Pour en changer : {contact}"),
    "not_understood_twice": "Je ne comprends pas bien. Écrivez CONSEILLER pour parler à une personne.",
    "not_understood_handoff": "Je ne comprends pas bien. Une personne peut vous aider.",
    # Hand-off and appointments
    "accompanied_claim": "{names} : une personne peut faire la demande avec vous.",
    "and_others": "{first} et {count} autre(s)",
    "slot_offer": "Choisissez un rendez-vous avec une personne :",
    "slot_offer_urgent": "Une personne peut vous recevoir vite. Choisissez :",
    "slot_label": "{day} {time}, {place}",
    "slot_reask": "Répondez avec le chiffre du rendez-vous, par exemple : 1",
    "slot_taken": "Ce rendez-vous vient d'être pris.",
    "slot_declined": "D'accord, pas de rendez-vous. Vous pouvez aussi appeler : {contact}",
    "no_slot": "Pas de rendez-vous libre pour l'instant. Appelez : {contact}",
    # Outside every territory served (handoff/territory.py, route): the national contacts,
    # no appointment. France Services: a free desk in every département, CAF and other
    # services in one place; 3230: the CAF's number (free service, the price of a call).
    "national_contact": "une France Services (gratuit, adresse en mairie) ou la CAF au 3230",
    "no_territory": "Pas de rendez-vous Passerelle dans votre secteur. Pour être aidé : {contact}.",
    "booking_confirmed": (
        "C'est noté : {day} à {time}, {place}, {address}. Vous verrez {referent}. "
        "À apporter : {documents}."
    ),
    # What to bring when no right was found (asked for a person before any result).
    "documents_default": "une pièce d'identité, un justificatif de domicile",
    "booking_cancelled": "Rendez-vous annulé.",
    "booking_reminder_inline": "Votre rendez-vous : {day} à {time}, {place}.",
    "link_calendar": "Ajouter à mon agenda : {url}",
    "link_map": "Plan : {url}",
    "forwarded": "Message transmis à {referent}, qui vous répondra ici.",
    # Answered after a booking without the referent (handoff_flow.about_booking).
    "booked_thanks": "Avec plaisir ! À bientôt au rendez-vous.",
    "booked_where": "Votre rendez-vous : {day} à {time}, {place}, {address}.",
    "booked_documents": "À apporter : {documents}. Et les courriers que vous avez reçus (CAF, MDPH…).",
    "booked_far": "Trop loin ? Écrivez CHANGER pour choisir un autre lieu ou jour, ou appelez : "
                  "{contact}",
    "the_referent": "votre conseiller",
    "reminder": "Rappel : RDV demain {time}, {place}, {address}. ANNULER ou CHANGER pour modifier.",
    # A web booking needs a mobile number confirmed by a code (bot/dialogue/phone.py): it is
    # also where the day-before reminder goes.
    "phone_ask": "Pour réserver par le chat, donnez un numéro de portable : nous y envoyons un "
                 "code, puis un rappel par SMS la veille. Tapez-le (ex. 06 12 34 56 78), ou "
                 "« non » pour ne pas réserver ici.",
    "phone_invalid": "Ce n'est pas un numéro de portable. Tapez-le ainsi : 06 12 34 56 78, "
                     "ou « non ».",
    "phone_code_sms": "Passerelle : votre code est {code}. Ne le donnez à personne.",
    "phone_code_sent": "Un code à 6 chiffres vient d'être envoyé par SMS au {number}. "
                       "Tapez-le ici.",
    "phone_code_wrong": "Ce n'est pas le bon code. Essais restants : {left}.",
    "phone_code_refused": "Code faux trois fois : la réservation n'est pas possible par le chat. "
                          "Contactez {contact}",
    "phone_too_many_codes": "Trop de codes envoyés à ce numéro. Contactez {contact}",
    "phone_declined": "D'accord, pas de réservation ici. Pour un rendez-vous : {contact}",
    "phone_confirmed": "Numéro confirmé : vous aurez un rappel par SMS la veille.",
    # Channels: opt-out (STOP / START) and Telegram's /aide
    "opted_out": "C'est noté, vous ne recevrez plus de messages. Écrivez START pour reprendre.",
    "opted_out_already": "Vous ne recevez plus de messages. Écrivez START pour reprendre.",
    "opted_in": "C'est noté, vous recevez à nouveau nos messages. Écrivez bonjour pour commencer.",
    "help": (
        "Je vous aide à savoir à quelles aides vous avez droit. Répondez aux questions, "
        "ou touchez une réponse. CONSEILLER : parler à une personne. RETOUR : question "
        "précédente. SUPPRIMER : effacer vos données. /stop : ne plus recevoir de messages."
    ),
    # The web chat page around the conversation (bot/web/ui.py): it speaks the
    # conversation's language too. Only command words already known in capitals here.
    "page_title": "Passerelle – vos droits en quelques questions",
    "page_heading": "Passerelle : à quoi ai-je droit ?",
    "page_conversation": "Conversation",
    "page_label": "Votre message",
    "page_placeholder": "Écrivez ici, ou un chiffre",
    "page_send": "Envoyer",
    "page_hint": ("Écrivez « bonjour » pour commencer. CONSEILLER : parler à une personne. "
                  "SUPPRIMER : effacer vos données."),
    "page_end": "Terminer et effacer",
    "page_end_hint": ("Sur un ordinateur partagé : efface cette conversation pour que la "
                      "personne suivante ne la voie pas."),
    "page_choices": "Réponses possibles",
    "page_you": "Vous :",
    "page_bot": "Passerelle :",
    "page_sending": "Envoi…",
    "page_received": "Réponse reçue.",
    "page_error": "Erreur : réessayez.",
    "page_offline": "La connexion a échoué. Votre message n'est pas perdu : réessayez.",
    "page_calendar": "Ajouter à mon agenda",
    "page_map": "Voir le plan",
    "page_erasing": "Effacement…",
    "page_erased": "Conversation effacée.",
    "page_ended": "Conversation terminée. Écrivez bonjour pour recommencer.",
    "page_end_failed": "La connexion a échoué : la conversation n'est pas effacée. Réessayez.",
}

PER = {"month": "/mois", "year": "/an", "once": " (une fois)"}

CHOICES: dict[str, list[str]] = {
    "consent": ["Oui", "Non"],
    "moment": [
        "Je deviens adulte",
        "J'attends un enfant",
        "J'élève seul(e) mes enfants",
        "Je deviens senior",
        "Autre",
    ],
    "household": [
        "Seul(e), sans enfant",
        "Seul(e) avec enfant(s)",
        "En couple, sans enfant",
        "En couple avec enfant(s)",
    ],
    "housing": [
        "Locataire (privé)",
        "Logement social (HLM)",
        "Propriétaire",
        "Hébergé(e) gratuitement",
        "Sans logement",
    ],
    "yes_no": ["Oui", "Non"],
    # Not known: « je ne sais pas » in words (answers.dont_know), not an option to type.
    "disability_rate": ["80 % ou plus", "De 50 à 79 %", "Moins de 50 %"],
    "after_result": ["Parler à une personne", "Recommencer"],
    "slot_more": ["Autres dates"],
    "slot_none": ["Pas de rendez-vous"],
    "booked": ["Annuler", "Changer de date"],
    "confirm": ["Oui, c'est juste", "Non, c'est faux"],
    # Ranges offered after « je ne sais pas »; the check computes with the middle of the range.
    "range_income": ["Moins de 300 €", "300 à 700 €", "700 à 1 200 €", "Plus de 1 200 €"],
    "range_rent": ["Moins de 400 €", "400 à 600 €", "600 à 800 €", "Plus de 800 €"],
}

SCHOOL_LABELS = {"maternelle": "maternelle", "primaire": "primaire", "college": "collège",
                 "lycee": "lycée", "superieur": "études supérieures"}

SHORT_DAYS = {"lundi": "lun.", "mardi": "mar.", "mercredi": "mer.", "jeudi": "jeu.",
              "vendredi": "ven.", "samedi": "sam.", "dimanche": "dim."}
SHORT_MONTHS = {"janvier": "janv.", "février": "févr.", "septembre": "sept.",
                "octobre": "oct.", "novembre": "nov.", "décembre": "déc."}


class _Translated(Mapping):
    """A French table read in the conversation's language, entry by entry (msgctxt
    « <prefix>.<name>[.<n>] »), French wherever a translation is missing."""

    def __init__(self, prefix: str, source: Mapping):
        self.prefix = prefix
        self.source = source

    def __getitem__(self, name: str):
        value = self.source[name]
        if isinstance(value, list):
            return [language.translate(f"{self.prefix}.{name}.{i}", v)
                    for i, v in enumerate(value, 1)]
        return language.translate(f"{self.prefix}.{name}", value)

    def __iter__(self) -> Iterator[str]:
        return iter(self.source)

    def __len__(self) -> int:
        return len(self.source)


# The French tables above stay the source (other modules may add entries to them); what
# the dialogue reads is the same table in the conversation's language.
FRENCH_CHOICES, FRENCH_PER, FRENCH_SCHOOL_LABELS = CHOICES, PER, SCHOOL_LABELS
CHOICES = _Translated("choices", FRENCH_CHOICES)  # type: ignore[assignment]
PER = _Translated("per", FRENCH_PER)  # type: ignore[assignment]
SCHOOL_LABELS = _Translated("school", FRENCH_SCHOOL_LABELS)  # type: ignore[assignment]


def text(key: str, **values: object) -> str:
    return language.translate(key, TEXTS[key]).format(**values)


def catalogue_entries() -> dict[str, str]:
    """Every French text residents read, by catalogue key: what each .po must translate."""
    entries = dict(TEXTS)
    for prefix, table in (("choices", FRENCH_CHOICES), ("per", FRENCH_PER),
                          ("school", FRENCH_SCHOOL_LABELS)):
        for name, value in table.items():
            if isinstance(value, list):
                entries.update({f"{prefix}.{name}.{i}": v for i, v in enumerate(value, 1)})
            else:
                entries[f"{prefix}.{name}"] = value
    return entries


def short_day(day: str) -> str:
    """« mardi 1er décembre » -> « mar. 1er déc. »: slot choices must fit an SMS."""
    return " ".join(SHORT_DAYS.get(w, SHORT_MONTHS.get(w, w)) for w in day.split())


def euros(amount: float) -> str:
    """« 1 234 » : whole euros with a French thousands separator."""
    return f"{round(amount):,}".replace(",", " ")
