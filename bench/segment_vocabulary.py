"""What the generated data is made of: countries, titles, plans, industries, events, pages."""

from __future__ import annotations

COUNTRIES: dict[str, tuple[str, float]] = {
    "US": ("AMER", 24),
    "CA": ("AMER", 5),
    "BR": ("AMER", 4),
    "MX": ("AMER", 2),
    "GB": ("EMEA", 10),
    "DE": ("EMEA", 9),
    "FR": ("EMEA", 7),
    "NL": ("EMEA", 4),
    "ES": ("EMEA", 4),
    "IT": ("EMEA", 3),
    "SE": ("EMEA", 3),
    "AT": ("EMEA", 2),
    "CH": ("EMEA", 2),
    "ZA": ("EMEA", 1),
    "AE": ("EMEA", 2),
    "IN": ("APAC", 7),
    "JP": ("APAC", 4),
    "AU": ("APAC", 4),
    "SG": ("APAC", 3),
}
SENIORITY = {
    "Individual contributor": 45,
    "Manager": 25,
    "Head of": 8,
    "Director": 10,
    "VP": 7,
    "C-level": 5,
}
FUNCTIONS = ["Engineering", "Marketing", "Sales", "Finance", "Operations", "Product", "Data"]
TITLES = {
    "Individual contributor": [
        "Software Engineer",
        "Developer",
        "Marketing Specialist",
        "Account Executive",
        "Accountant",
        "Data Analyst",
        "Designer",
    ],
    "Manager": ["{f} Manager", "Engineering Manager", "Product Manager"],
    "Head of": ["Head of {f}"],
    "Director": ["{f} Director", "Director of {f}"],
    "VP": ["VP {f}", "VP of {f}"],
    "C-level": ["CEO", "CTO", "CFO", "CMO", "COO"],
}
PLANS = {"free": 60, "starter": 20, "pro": 15, "enterprise": 5}
INDUSTRIES = [
    "Software",
    "Finance",
    "Banking",
    "Insurance",
    "Retail",
    "Healthcare",
    "Manufacturing",
    "Education",
    "Media",
]
# (name, Segment call type, share of all events)
EVENT_MIX: list[tuple[str, str, float]] = [
    ("Page Viewed", "page", 52.0),
    ("Email Opened", "track", 20.0),
    ("Email Clicked", "track", 9.0),
    ("Whitepaper Downloaded", "track", 4.0),
    ("Order Completed", "track", 4.0),
    ("Webinar Registered", "track", 3.0),
    ("Webinar Attended", "track", 1.6),
    ("Form Submitted", "track", 2.5),
    ("Trial Started", "track", 1.0),
    ("Demo Requested", "track", 1.0),
    ("Unsubscribed", "track", 0.4),
    ("Product Added", "track", 1.5),
]
ORDER = [name for name, _, _ in EVENT_MIX].index("Order Completed")
PAGES = [
    "/",
    "/pricing",
    "/product",
    "/product/journeys",
    "/blog/adaptive-journeys",
    "/blog/consent-first",
    "/docs/start",
    "/case-studies/acme",
    "/careers",
    "/contact",
]
CAMPAIGNS = ["spring", "summer", "autumn", "winter", "launch", "newsletter", "webinar-invite"]
PRODUCTS = [
    ("p-analytics", "Analytics Suite", "Analytics", 490.0),
    ("p-reports", "Report Pack", "Analytics", 120.0),
    ("p-journeys", "Journeys", "Automation", 990.0),
    ("p-sms", "SMS Credits", "Messaging", 49.0),
    ("p-email", "Email Credits", "Messaging", 29.0),
    ("p-seat", "Extra Seat", "Seats", 39.0),
    ("p-support", "Premium Support", "Services", 300.0),
]

# The columns the generator writes, in the order of its rows.
CONTACT_COLUMNS = (
    "id",
    "user_id",
    "email",
    "traits",
    "trait_times",
    "created_at",
    "updated_at",
    "first_seen_at",
    "last_seen_at",
    "order_count",
    "revenue_total",
    "first_order_at",
    "last_order_at",
    "last_response_at",
    "has_preferences",
    "profile_level",
    "score",
    "score_as_of",
    "band",
    "fit",
    "grade",
    "lifecycle_stage",
    "owner",
)
ACCOUNT_COLUMNS = ("id", "group_id", "name", "traits", "trait_times", "created_at", "updated_at")
LINK_COLUMNS = ("contact_id", "account_id", "is_primary", "linked_at")
IDENTITY_COLUMNS = ("kind", "value", "contact_id", "created_at")
EVENT_COLUMNS = (
    "message_id",
    "contact_id",
    "type",
    "name",
    "ts",
    "received_at",
    "properties",
    "context",
)
