"""Reference data for the synthetic B2B world: geography, industries, companies, job titles."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Country:
    code: str
    name: str
    region: str
    weight: float
    cities: tuple[str, ...]
    locale: str
    cultures: tuple[str, ...]
    dial: str
    legal_forms: tuple[str, ...]


@dataclass(frozen=True)
class Industry:
    name: str
    weight: float
    fit: float  # how well the industry fits the seller's offer, 0..1
    nouns: tuple[str, ...]


REGIONS = ("North America", "EMEA", "APAC", "LATAM")

COUNTRIES: tuple[Country, ...] = (
    Country("US", "United States", "North America", 30.0,
            ("New York", "San Francisco", "Chicago", "Austin", "Boston", "Seattle", "Atlanta",
             "Denver"), "en-US", ("en",), "+1", ("Inc.", "LLC", "Corp.")),
    Country("CA", "Canada", "North America", 5.0, ("Toronto", "Vancouver", "Montreal"),
            "en-CA", ("en", "fr"), "+1", ("Inc.", "Ltd.")),
    Country("GB", "United Kingdom", "EMEA", 9.0, ("London", "Manchester", "Edinburgh", "Bristol"),
            "en-GB", ("en",), "+44", ("Ltd", "plc")),
    Country("DE", "Germany", "EMEA", 8.0, ("Berlin", "Munich", "Hamburg", "Frankfurt"),
            "de-DE", ("de",), "+49", ("GmbH", "AG")),
    Country("FR", "France", "EMEA", 6.0, ("Paris", "Lyon", "Toulouse"), "fr-FR", ("fr",),
            "+33", ("SAS", "SA")),
    Country("NL", "Netherlands", "EMEA", 3.0, ("Amsterdam", "Rotterdam", "Utrecht"), "nl-NL",
            ("nl",), "+31", ("B.V.", "N.V.")),
    Country("ES", "Spain", "EMEA", 3.0, ("Madrid", "Barcelona", "Valencia"), "es-ES", ("es",),
            "+34", ("S.L.", "S.A.")),
    Country("IT", "Italy", "EMEA", 2.0, ("Milan", "Rome", "Turin"), "it-IT", ("it",), "+39",
            ("S.r.l.", "S.p.A.")),
    Country("SE", "Sweden", "EMEA", 2.0, ("Stockholm", "Gothenburg", "Malmö"), "sv-SE", ("sv",),
            "+46", ("AB",)),
    Country("IE", "Ireland", "EMEA", 1.5, ("Dublin", "Cork"), "en-IE", ("en",), "+353",
            ("Ltd", "DAC")),
    Country("CH", "Switzerland", "EMEA", 1.5, ("Zurich", "Geneva", "Basel"), "de-CH",
            ("de", "fr"), "+41", ("AG", "SA")),
    Country("PL", "Poland", "EMEA", 1.0, ("Warsaw", "Kraków", "Wrocław"), "pl-PL", ("pl",),
            "+48", ("sp. z o.o.", "S.A.")),
    Country("AE", "United Arab Emirates", "EMEA", 1.0, ("Dubai", "Abu Dhabi"), "en-AE",
            ("ar", "en", "in"), "+971", ("FZ-LLC", "LLC")),
    Country("ZA", "South Africa", "EMEA", 1.0, ("Johannesburg", "Cape Town"), "en-ZA", ("en",),
            "+27", ("(Pty) Ltd",)),
    Country("AU", "Australia", "APAC", 4.0, ("Sydney", "Melbourne", "Brisbane"), "en-AU",
            ("en",), "+61", ("Pty Ltd",)),
    Country("NZ", "New Zealand", "APAC", 1.0, ("Auckland", "Wellington"), "en-NZ", ("en",),
            "+64", ("Limited",)),
    Country("SG", "Singapore", "APAC", 3.0, ("Singapore",), "en-SG", ("zh", "en", "in"), "+65",
            ("Pte. Ltd.",)),
    Country("JP", "Japan", "APAC", 3.0, ("Tokyo", "Osaka", "Yokohama"), "ja-JP", ("ja",), "+81",
            ("K.K.",)),
    Country("IN", "India", "APAC", 4.0, ("Bengaluru", "Mumbai", "Pune", "Hyderabad"), "en-IN",
            ("in",), "+91", ("Pvt. Ltd.",)),
    Country("BR", "Brazil", "LATAM", 4.0, ("São Paulo", "Rio de Janeiro", "Belo Horizonte"),
            "pt-BR", ("pt",), "+55", ("Ltda.", "S.A.")),
    Country("MX", "Mexico", "LATAM", 2.5, ("Mexico City", "Monterrey", "Guadalajara"), "es-MX",
            ("es",), "+52", ("S.A. de C.V.",)),
    Country("AR", "Argentina", "LATAM", 1.0, ("Buenos Aires", "Córdoba"), "es-AR", ("es",),
            "+54", ("S.A.", "S.R.L.")),
    Country("CL", "Chile", "LATAM", 1.0, ("Santiago", "Valparaíso"), "es-CL", ("es",), "+56",
            ("SpA", "S.A.")),
    Country("CO", "Colombia", "LATAM", 1.0, ("Bogotá", "Medellín"), "es-CO", ("es",), "+57",
            ("S.A.S.",)),
)  # fmt: skip

COUNTRY_BY_CODE = {country.code: country for country in COUNTRIES}

INDUSTRIES: tuple[Industry, ...] = (
    Industry("Software", 18, 1.0, ("Systems", "Software", "Technologies", "Labs")),
    Industry("Financial Services", 12, 0.85, ("Capital", "Financial", "Payments", "Insurance")),
    Industry("Telecommunications", 5, 0.75, ("Networks", "Telecom", "Communications")),
    Industry("Professional Services", 9, 0.7, ("Consulting", "Partners", "Advisory")),
    Industry("Media", 6, 0.7, ("Media", "Studios", "Publishing")),
    Industry("Healthcare", 10, 0.65, ("Health", "Medical", "Care")),
    Industry("Retail", 9, 0.6, ("Retail", "Brands", "Stores")),
    Industry("Manufacturing", 12, 0.5, ("Industries", "Manufacturing", "Components")),
    Industry("Logistics", 6, 0.45, ("Logistics", "Freight", "Transport")),
    Industry("Energy", 4, 0.45, ("Energy", "Power", "Renewables")),
    Industry("Education", 5, 0.35, ("Learning", "Academy", "Education")),
    Industry("Non-profit", 2, 0.3, ("Foundation", "Trust", "Alliance")),
    Industry("Government", 2, 0.25, ("Agency", "Authority", "Public Services")),
)

NAME_PREFIXES = (
    "Bright", "Blue", "North", "Silver", "Quantum", "Green", "Iron", "Summit", "Harbor",
    "Nova", "Clear", "Red", "Atlas", "Vertex", "Pioneer", "Crest", "Stone", "Oak", "Swift",
    "Cobalt", "Granite", "Horizon", "Polar", "Sterling", "Apex", "Maple", "Falcon", "Orbit",
    "Prism", "Zenith", "Beacon", "Cedar", "Delta", "Echo", "Ever", "Kite", "Lark", "Meridian",
    "Nimbus", "Onyx", "Pine", "River", "Sage", "Tide", "Umber", "Willow", "Amber", "Coral",
)  # fmt: skip
NAME_SUFFIXES = (
    "wave", "field", "point", "works", "lab", "soft", "logic", "line", "path", "bridge",
    "stack", "gate", "core", "forge", "scale", "sight", "ware", "craft", "stream", "leaf",
    "peak", "ridge", "hub", "mark", "nest", "shore", "vale", "well",
)  # fmt: skip

# Seniority: key, weight of the title in fit (0..1), and its share by company size band
# (small < 50 employees, mid < 1,000, large >= 1,000).
SENIORITIES: tuple[tuple[str, float, tuple[float, float, float]], ...] = (
    ("C-level", 1.0, (0.22, 0.06, 0.03)),
    ("VP", 0.85, (0.06, 0.08, 0.08)),
    ("Director", 0.7, (0.08, 0.14, 0.15)),
    ("Head of", 0.65, (0.12, 0.12, 0.10)),
    ("Manager", 0.45, (0.25, 0.30, 0.32)),
    ("Specialist", 0.25, (0.22, 0.25, 0.27)),
    ("Intern", 0.05, (0.05, 0.05, 0.05)),
)
SENIOR_LEVELS = frozenset({"C-level", "VP", "Director", "Head of"})

# Department, how much it cares about marketing automation (0..1), and its share.
DEPARTMENTS: tuple[tuple[str, float, float], ...] = (
    ("Marketing", 1.0, 0.42),
    ("Sales", 0.7, 0.16),
    ("IT", 0.5, 0.10),
    ("Product", 0.6, 0.08),
    ("Operations", 0.4, 0.08),
    ("Finance", 0.3, 0.06),
    ("HR", 0.2, 0.04),
)
EXECUTIVE_DEPARTMENT = ("Executive", 0.8)

TITLES: dict[str, dict[str, tuple[str, ...]]] = {
    "C-level": {
        "Executive": ("Chief Executive Officer", "Founder & CEO", "Co-Founder"),
        "Marketing": ("Chief Marketing Officer",),
        "Sales": ("Chief Revenue Officer", "Chief Sales Officer"),
        "IT": ("Chief Technology Officer", "Chief Information Officer"),
        "Product": ("Chief Product Officer",),
        "Operations": ("Chief Operating Officer",),
        "Finance": ("Chief Financial Officer",),
        "HR": ("Chief People Officer",),
    },
    "VP": {
        "Marketing": ("VP Marketing", "VP of Demand Generation", "Vice President, Marketing"),
        "Sales": ("VP Sales", "VP of Business Development"),
        "IT": ("VP Engineering", "VP of IT"),
        "Product": ("VP Product",),
        "Operations": ("VP Operations",),
        "Finance": ("VP Finance",),
        "HR": ("VP People",),
    },
    "Director": {
        "Marketing": ("Director of Marketing", "Marketing Director", "Director, Demand Generation",
                      "Director of Marketing Operations"),
        "Sales": ("Director of Sales", "Sales Director"),
        "IT": ("IT Director", "Director of Engineering"),
        "Product": ("Director of Product Management",),
        "Operations": ("Director of Operations",),
        "Finance": ("Finance Director",),
        "HR": ("HR Director",),
    },
    "Head of": {
        "Marketing": ("Head of Marketing", "Head of Growth", "Head of Digital", "Head of CRM"),
        "Sales": ("Head of Sales", "Head of Partnerships"),
        "IT": ("Head of IT", "Head of Engineering"),
        "Product": ("Head of Product",),
        "Operations": ("Head of Operations",),
        "Finance": ("Head of Finance",),
        "HR": ("Head of People",),
    },
    "Manager": {
        "Marketing": ("Marketing Manager", "Marketing Operations Manager", "Campaign Manager",
                      "Content Marketing Manager", "CRM Manager", "Demand Generation Manager"),
        "Sales": ("Sales Manager", "Account Manager"),
        "IT": ("IT Manager", "Engineering Manager"),
        "Product": ("Product Manager",),
        "Operations": ("Operations Manager",),
        "Finance": ("Finance Manager",),
        "HR": ("HR Manager",),
    },
    "Specialist": {
        "Marketing": ("Marketing Specialist", "Email Marketing Specialist",
                      "Marketing Operations Specialist", "Digital Marketing Coordinator",
                      "Marketing Analyst"),
        "Sales": ("Sales Development Representative", "Account Executive"),
        "IT": ("Systems Administrator", "Software Engineer", "Data Engineer"),
        "Product": ("Product Analyst", "UX Designer"),
        "Operations": ("Operations Analyst",),
        "Finance": ("Financial Analyst",),
        "HR": ("HR Generalist",),
    },
    "Intern": {
        "Marketing": ("Marketing Intern",),
        "Sales": ("Sales Intern",),
        "IT": ("Engineering Intern",),
        "Product": ("Product Intern",),
        "Operations": ("Operations Intern",),
        "Finance": ("Finance Intern",),
        "HR": ("HR Intern",),
    },
}  # fmt: skip


def persona_for(*, seniority: str, department: str) -> str:
    """The buying-committee role a title usually plays."""
    leader = seniority in SENIOR_LEVELS
    if seniority == "Intern":
        return "Early Career"
    if department == "Marketing":
        return "Marketing Leader" if leader else "Marketing Practitioner"
    if department == "Sales":
        return "Sales Leader" if leader else "Sales Practitioner"
    if department in ("IT", "Product"):
        return "Technical Evaluator"
    if seniority in ("C-level", "VP"):
        return "Executive Sponsor"
    return "Business User"


def size_band(employees: int) -> int:
    """0 for small (< 50), 1 for mid-market (< 1,000), 2 for enterprise."""
    if employees < 50:
        return 0
    return 1 if employees < 1000 else 2


def fictional_phone(*, country: Country, digits: str) -> str:
    """A phone number in the country's format, in a range set aside for fiction where one is
    published (NANP 555-01xx, Ofcom, ACMA, ARCEP); never dial these."""
    d = digits
    if country.dial == "+1":
        return f"+1 {200 + int(d[:3]) % 700} 555 01{d[3:5]}"
    if country.code == "GB":
        return f"+44 20 7946 0{d[:3]}"
    if country.code == "AU":
        return f"+61 2 5550 {d[:4]}"
    if country.code == "FR":
        return f"+33 1 99 00 {d[:2]} {d[2:4]}"
    return f"{country.dial} 555 01{d[:2]} {d[2:5]}"
