"""What the demo's seller offers: its web site, content, products, campaigns and traffic sources.

The seller is "Lumen", a fictional B2B software company using Cadence; every domain ends in the
reserved ``.example`` top-level domain, so no message can ever reach a real address.
"""

from __future__ import annotations

from dataclasses import dataclass

SITE = "https://www.lumen.example"


@dataclass(frozen=True)
class Page:
    path: str
    name: str
    category: str | None
    title: str
    intent: float  # 0 = research or noise, 1 = buying signal


@dataclass(frozen=True)
class Product:
    product_id: str
    sku: str
    name: str
    category: str
    price: float


@dataclass(frozen=True)
class Source:
    """Where a visit comes from: a referrer and, for paid or owned media, UTM parameters."""

    weight: float
    referrer: str
    utm_source: str | None = None
    utm_medium: str | None = None
    utm_campaign: str | None = None
    utm_term: str | None = None


def _blog(slug: str, title: str) -> Page:
    return Page(f"/blog/{slug}", title, "Blog", f"{title} | Lumen Blog", 0.1)


def _docs(slug: str, title: str) -> Page:
    return Page(f"/docs/{slug}", title, "Docs", f"{title} | Lumen Docs", 0.45)


def _case(slug: str, title: str) -> Page:
    return Page(f"/case-studies/{slug}", title, "Case Studies", f"{title} | Lumen", 0.7)


HOME = Page("/", "Home", None, "Lumen | Revenue analytics for B2B teams", 0.2)
PRICING = Page("/pricing", "Pricing", None, "Pricing | Lumen", 1.0)
DEMO_PAGE = Page("/demo", "Request a Demo", None, "Request a demo | Lumen", 1.0)
CONTACT_PAGE = Page("/contact", "Contact", None, "Contact us | Lumen", 0.8)
PAGES: tuple[Page, ...] = (
    HOME,
    PRICING,
    Page("/product", "Product", "Product", "Product overview | Lumen", 0.6),
    Page("/product/attribution", "Attribution", "Product", "Attribution | Lumen", 0.6),
    Page("/product/forecasting", "Forecasting", "Product", "Forecasting | Lumen", 0.6),
    Page("/product/integrations", "Integrations", "Product", "Integrations | Lumen", 0.7),
    Page("/security", "Security", None, "Security and compliance | Lumen", 0.8),
    _case("northwind-doubles-pipeline", "How Northwind doubled pipeline"),
    _case("contoso-cuts-cac", "Contoso cut acquisition cost by 31%"),
    _case("fabrikam-global-rollout", "Fabrikam's global rollout"),
    _blog("b2b-attribution-models", "Choosing a B2B attribution model"),
    _blog("lead-scoring-that-works", "Lead scoring that sales trusts"),
    _blog("consent-first-marketing", "Consent-first marketing in practice"),
    _blog("pipeline-forecasting-101", "Pipeline forecasting 101"),
    _blog("abm-playbook", "The account-based marketing playbook"),
    _blog("email-deliverability", "Email deliverability checklist"),
    _blog("marketing-ops-hiring", "Hiring your first marketing ops lead"),
    _blog("state-of-b2b-2025", "State of B2B revenue"),
    _docs("getting-started", "Getting started"),
    _docs("crm-sync", "CRM sync"),
    _docs("api-reference", "API reference"),
    _docs("data-model", "Data model"),
    Page("/webinars", "Webinars", "Resources", "Webinars | Lumen", 0.3),
    Page("/resources", "Resources", "Resources", "Guides and reports | Lumen", 0.3),
    Page("/about", "About", None, "About us | Lumen", 0.2),
    Page("/careers", "Careers", None, "Careers | Lumen", 0.0),
)

WHITEPAPERS: tuple[tuple[str, str], ...] = (
    ("wp-attribution-guide", "The Definitive Guide to B2B Attribution"),
    ("wp-benchmark-report", "B2B Revenue Benchmark Report"),
    ("wp-consent-handbook", "The Consent-First Marketing Handbook"),
    ("wp-roi-calculator", "Marketing ROI Calculator Kit"),
    ("wp-abm-field-guide", "Account-Based Marketing Field Guide"),
)

WEBINAR_TOPICS: tuple[str, ...] = (
    "Attribution without the guesswork",
    "From MQL to revenue: fixing the hand-off",
    "Forecasting pipeline with confidence",
    "Consent-first growth in practice",
    "ABM at scale: lessons from 50 programmes",
    "Building a data-driven marketing team",
)

PLANS: tuple[Product, ...] = (
    Product("plan-starter", "LUM-STA-12", "Lumen Starter (annual)", "Subscription", 2400.0),
    Product(
        "plan-professional", "LUM-PRO-12", "Lumen Professional (annual)", "Subscription", 9600.0
    ),
    Product("plan-enterprise", "LUM-ENT-12", "Lumen Enterprise (annual)", "Subscription", 36000.0),
)
ADD_ONS: tuple[Product, ...] = (
    Product("addon-seats-5", "LUM-SEAT-5", "Additional seats (5)", "Add-ons", 1200.0),
    Product("addon-premium-support", "LUM-SUP-P", "Premium Support", "Add-ons", 3000.0),
    Product("addon-connectors", "LUM-CON-PK", "Data Connector Pack", "Add-ons", 1800.0),
    Product("svc-onboarding", "LUM-SVC-ONB", "Onboarding Package", "Services", 4500.0),
    Product("svc-training", "LUM-SVC-TRN", "Team Training Workshop", "Services", 2000.0),
)

# First-touch sources for new visitors.
SOURCES: tuple[Source, ...] = (
    Source(24, "https://www.google.com/"),
    Source(14, "https://www.google.com/", "google", "cpc", "brand-search", "lumen analytics"),
    Source(
        8,
        "https://www.google.com/",
        "google",
        "cpc",
        "attribution-software",
        "b2b attribution software",
    ),
    Source(10, "https://www.linkedin.com/", "linkedin", "paid-social", "abm-enterprise"),
    Source(8, "https://www.linkedin.com/"),
    Source(6, "https://www.g2.example/products/lumen", "g2", "review", "g2-profile"),
    Source(5, "https://partners.example/events", "partner", "referral", "partner-webinar"),
    Source(4, "https://news.ycombinator.com/"),
    Source(21, ""),
)
LAUNCH_SOURCE = Source(1, "https://www.linkedin.com/", "linkedin", "paid-social", "launch")

# Forms that turn an anonymous visitor into a known contact: form id, name, incentive.
SIGNUP_FORMS: tuple[tuple[str, str, str], ...] = (
    ("newsletter-signup", "Newsletter sign-up", "weekly insights newsletter"),
    ("whitepaper-gate", "Whitepaper download", "free guide"),
    ("webinar-registration", "Webinar registration", "free webinar seat"),
    ("contact-us", "Contact us", "talk to an expert"),
    ("benchmark-giveaway", "Benchmark report giveaway", "win a conference ticket"),
)

TOPICS = ("news", "products", "offers", "events")

USER_AGENTS: tuple[str, ...] = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Safari/605.1.15",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:127.0) Gecko/20100101 Firefox/127.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Mobile Safari/537.36",
)

# Address blocks reserved for documentation (RFC 5737): visitors never map to a real network.
IP_BLOCKS = ("192.0.2", "198.51.100", "203.0.113")
