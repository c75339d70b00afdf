"""Paths through the dialogue that several tests walk."""

# A valid answer to each question, and the path that reaches it (moment, earlier answers).
ROUTE = {  # moment "5" (autre), couple with children, tenant: every non-senior question
    "age": "30", "postcode": "67100", "household": "4", "children_ages": "3 et 7",
    "housing": "1", "rent": "500", "disability": "2", "salary": "800",
    "partner_income": "1000", "unemployment": "0",
}
# Questions asked two in one prompt while both are pending (answering one number to it
# answers the first; the second is then asked alone).
PAIRED = {"age": "age_postcode", "salary": "salary_partner_income", "housing": "housing_rent"}


def prompt_key(key: str, route: dict) -> str:
    """The message key of the prompt that asks KEY on this route."""
    paired = PAIRED.get(key)
    if paired and paired.split("_", 1)[1] in route:
        return paired
    return key


# The same route for a person with a disability: its rate is asked after the yes.
DISABLED_ROUTE = {k: v for key, value in ROUTE.items() for k, v in (
    [(key, "1"), ("disability_rate", "1")] if key == "disability" else [(key, value)])}

SENIOR_ROUTE = {"age": "70", "postcode": "67100", "household": "1", "housing": "1",
                "rent": "450", "pension": "600", "other_income": "0"}


def drive_to(chat, key: str) -> None:
    """Consents and answers every question before `key`."""
    from bot import messages

    route = route_to(key)
    chat.say("bonjour")
    chat.say("1")
    chat.say("4" if route is SENIOR_ROUTE else "5")
    for question, answer in route.items():
        if question == key:
            break
        chat.say(answer)
    assert chat.last == messages.text(f"ask_{prompt_key(key, route)}")


def conversation_of(client, chat, session):
    """The web chat's conversation, read in `session`."""
    from sqlalchemy import select

    from storage.models import ChannelAddress, Conversation

    key = client.app.state.core.address_key("web", chat.user_id)
    address = session.scalars(select(ChannelAddress).where(ChannelAddress.key == key)).one()
    return session.scalars(select(Conversation).where(
        Conversation.person_id == address.person_id)).one()


def route_to(key: str) -> dict:
    """The route that asks KEY."""
    if key in ("pension", "other_income"):
        return SENIOR_ROUTE
    return DISABLED_ROUTE if key == "disability_rate" else ROUTE
