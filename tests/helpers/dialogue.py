"""Paths through the dialogue that several tests walk."""

# A valid answer to each question, and the path that reaches it (moment, earlier answers).
ROUTE = {  # moment "5" (autre), couple with children, tenant: every non-senior question
    "age": "30", "postcode": "67100", "household": "4", "partner_income": "1000",
    "children_ages": "3 et 7", "housing": "1", "rent": "500", "disability": "2",
    "salary": "800", "unemployment": "0",
}
SENIOR_ROUTE = {"age": "70", "postcode": "67100", "household": "1", "housing": "1",
                "rent": "450", "pension": "600", "other_income": "0"}
