"""Word lists the sample directory draws from: places, people, businesses, prose.

Plain data, no logic. The generator picks from these with its seeded RNG, so
changing any list changes every generated site: tests pin behaviour, not bytes,
but benchmarks compare runs, so edit deliberately.

Every city is spelled as `zipcodes` spells it; the generator places each
therapist at one of that city's active STANDARD ZIP codes. No value here may
contain a comma: comma-separated lists on the pages must split back exactly.
"""

# (city, state, weight): weight roughly follows how many listings a city has.
CITIES = (
    ("Hartford", "CT", 4), ("West Hartford", "CT", 3), ("New Haven", "CT", 4),
    ("Stamford", "CT", 3), ("Bridgeport", "CT", 2), ("Norwalk", "CT", 2),
    ("Middletown", "CT", 1), ("Glastonbury", "CT", 1),
    ("Boston", "MA", 8), ("Cambridge", "MA", 4), ("Worcester", "MA", 3),
    ("Springfield", "MA", 2), ("Northampton", "MA", 2), ("Somerville", "MA", 2),
    ("New York", "NY", 12), ("Brooklyn", "NY", 8), ("Albany", "NY", 2),
    ("Buffalo", "NY", 3), ("Rochester", "NY", 3), ("Ithaca", "NY", 1),
    ("Newark", "NJ", 3), ("Jersey City", "NJ", 3), ("Princeton", "NJ", 1),
    ("Hoboken", "NJ", 2), ("Montclair", "NJ", 1),
    ("Philadelphia", "PA", 8), ("Pittsburgh", "PA", 5), ("Lancaster", "PA", 2),
    ("Allentown", "PA", 2),
    ("Seattle", "WA", 7), ("Spokane", "WA", 3), ("Tacoma", "WA", 3),
    ("Olympia", "WA", 2), ("Bellingham", "WA", 2),
    ("San Francisco", "CA", 7), ("Oakland", "CA", 4), ("Los Angeles", "CA", 10),
    ("San Diego", "CA", 6), ("Sacramento", "CA", 4), ("Santa Cruz", "CA", 2),
    ("Charlotte", "NC", 5), ("Raleigh", "NC", 4), ("Asheville", "NC", 3),
    ("Durham", "NC", 3), ("Wilmington", "NC", 2),
    ("Austin", "TX", 7), ("Houston", "TX", 8), ("Dallas", "TX", 7),
    ("San Antonio", "TX", 5), ("El Paso", "TX", 2),
)

FIRST_NAMES = (
    "Jane", "María", "Tom", "Zoë", "José", "Chloé", "Renée", "Siobhán", "Søren",
    "Björn", "Anh", "Linh", "Mai", "Hiroshi", "Yuki", "Aisha", "Fatima", "Omar",
    "Priya", "Arjun", "Wei", "Mei", "Olga", "Dmitri", "Agnieszka", "Łukasz",
    "Sarah", "Emily", "Jessica", "Ashley", "Amanda", "Megan", "Lauren", "Rachel",
    "Nicole", "Heather", "Michelle", "Kimberly", "Christina", "Danielle", "Erin",
    "Katie", "Hannah", "Olivia", "Emma", "Ava", "Sophia", "Isabella", "Mia",
    "Michael", "David", "James", "John", "Robert", "Daniel", "Matthew", "Chris",
    "Andrew", "Brian", "Kevin", "Jason", "Eric", "Mark", "Paul", "Steven",
    "Luis", "Carlos", "Ana", "Lucía", "Sofía", "Inés", "Raúl", "Andrés",
    "Noémie", "Hélène", "François", "Jürgen", "Ingrid", "Astrid", "Kwame",
    "Chidi", "Ngozi", "Tunde", "Keisha", "Tanisha", "DeShawn", "Malik", "Jamal",
    "Leilani", "Kai", "Noa", "Sam", "Alex", "Jordan", "Taylor", "Casey", "Robin",
)

LAST_NAMES = (
    "Doe", "López", "Okafor", "Nguyễn", "O'Brien", "Müller", "Núñez", "Sánchez",
    "García", "Martínez", "Rodríguez", "Hernández", "Pérez", "González",
    "Kowalski", "Nowak", "Wiśniewski", "Ivanova", "Petrov", "Andersson",
    "Johansson", "Larsen", "Ødegaard", "Tanaka", "Sato", "Suzuki", "Kim", "Park",
    "Lee", "Chen", "Wang", "Li", "Zhang", "Liu", "Trần", "Lê", "Phạm", "Patel",
    "Shah", "Singh", "Gupta", "Khan", "Ali", "Hassan", "Cohen", "Levy",
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis",
    "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin",
    "Thompson", "White", "Harris", "Clark", "Lewis", "Robinson", "Walker",
    "Young", "Allen", "King", "Wright", "Scott", "Hill", "Green", "Adams",
    "Baker", "Nelson", "Carter", "Mitchell", "Roberts", "Turner", "Phillips",
    "Campbell", "Parker", "Evans", "Edwards", "Collins", "Stewart", "Murphy",
    "O'Connor", "McCarthy", "MacDonald", "D'Angelo", "St. James", "Van der Berg",
    "Dubois", "Lefèvre", "Mercier", "Rossi", "Bianchi", "Esposito", "Costa",
    "Silva", "Santos", "Oliveira", "Mendes", "Adeyemi", "Mensah", "Kealoha",
)

STREET_NAMES = (
    "Main St", "Pratt St", "Elm St", "Oak Ave", "Maple Ave", "Park Ave",
    "Washington St", "Church St", "High St", "Center St", "Broad St",
    "State St", "Market St", "Water St", "Union St", "Chestnut St", "Pine St",
    "Cedar Ln", "Highland Ave", "Farmington Ave", "Asylum Ave", "Franklin Ave",
    "Lincoln Blvd", "Sunset Blvd", "Mission St", "Valencia St", "Grand Ave",
    "University Ave", "College St", "Academy Rd", "Commerce Dr", "Medical Pkwy",
    "Riverside Dr", "Lakeview Dr", "Hillside Rd", "Spring St", "Summer St",
    "Bay St", "Front St", "2nd Ave", "3rd St", "5th Ave", "W 57th St",
    "E 14th St", "N Broad St", "S Congress Ave", "Peachtree Rd", "Rue Royale",
)

UNIT_FORMATS = ("Suite {n}", "Ste {n}", "Ste. {n}", "Unit {n}", "#{n}", "Floor 2", "Room {n}")

BUSINESS_FORMATS = (
    "{Last} Massage Therapy", "{First} {Last} Massage", "{City} Bodywork Studio",
    "{City} Massage & Wellness", "{Word} Bodywork", "{Word} Massage Studio",
    "{Word} Healing Arts", "{Word} Therapeutic Massage", "The {Word} Room",
    "{Last} & Associates Massage", "{City} Sports Massage", "{Word} Wellness Center",
    "{Word} Spa", "Healing Hands of {City}", "{Word} Integrative Health",
)

BUSINESS_WORDS = (
    "Capitol", "Harbor", "Willow", "Evergreen", "Cedar", "Lotus", "Juniper",
    "Riverbend", "Stillwater", "Blue Heron", "Sage", "Tranquil", "Summit",
    "North Star", "Gentle Touch", "Balance", "Restore", "Kinetic", "Root & Branch",
    "Mindful", "Serenity", "Cornerstone", "Meridian", "Oasis", "Bodhi", "Zenith",
)

CONDITIONS = (
    "Low back pain", "Neck pain", "Sciatica", "Tension headaches", "Migraines",
    "Fibromyalgia", "TMJ", "Plantar fasciitis", "Frozen shoulder", "Carpal tunnel",
    "Sports injuries", "Stress & anxiety", "Chronic pain", "Arthritis",
    "Whiplash", "Scoliosis", "Insomnia", "Post-surgical recovery", "Shoulder pain",
    "Hip pain", "Repetitive strain injury", "Pregnancy discomfort", "Lymphedema",
)

# How bios word the conditions people search for (lower case, mid-sentence).
BIO_CONDITIONS = (
    "chronic low back pain", "neck pain", "sciatica", "tension headaches",
    "migraines", "fibromyalgia", "TMJ", "plantar fasciitis", "frozen shoulder",
    "carpal tunnel syndrome", "sports injuries", "stress and anxiety",
    "whiplash", "arthritis pain", "post-surgical swelling", "shoulder tightness",
)

BIO_CLIENTS = (
    "desk workers and new parents", "runners and cyclists", "weekend athletes",
    "people in recovery from injury", "busy professionals", "older adults",
    "expecting mothers", "dancers and musicians", "veterans", "nurses & teachers",
)

BIO_OPENERS = (
    "I help {clients} with {conds}.",
    "My practice focuses on {conds} for {clients}.",
    "Since {year} I have worked with {clients}, especially on {conds}.",
    "Most of my clients come to me for {conds}.",
)

BIO_MIDDLES = (
    "Sessions blend {tech} with stretching and breath work.",
    "Every session is tailored; I often use {tech}.",
    "Expect focused work — mostly {tech} — and a plan for home care.",
    "",
    "Sessions are 60 or 90 minutes.",
)

BIO_CLOSERS = (
    "", "Free parking behind the building.", "Gift certificates available.",
    "I work closely with local chiropractors & physical therapists.",
    "Wheelchair accessible.", "Please arrive ten minutes early.",
)

SETTINGS = (
    "Private Office", "Chiropractic Office", "Spa", "Home Studio",
    "Mobile / In-home", "Physical Therapy Clinic", "Medical Office",
    "Fitness Center", "Hospital", "Corporate / On-site", "Wellness Center",
)

LANGUAGES = (
    "Spanish", "French", "Portuguese", "Mandarin", "Cantonese", "Vietnamese",
    "Korean", "Russian", "Polish", "ASL", "Haitian Creole", "German", "Japanese",
    "Hindi", "Tagalog", "Arabic",
)

# (shown text, normalised value)
GENDERS = (
    ("Female", "female"), ("Female", "female"), ("Male", "male"),
    ("Non-binary", "non-binary"), ("female", "female"), ("MALE", "male"),
)

# (shown text, truth value)
ACCEPTING = (("Yes", True), ("No", False), ("Currently accepting", True), ("Waitlist only", False))

DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
OPENING = ("8:00 AM", "9:00 AM", "10:00 AM", "11:00 AM", "12:00 PM")
CLOSING = ("2:00 PM", "4:00 PM", "5:00 PM", "6:00 PM", "7:00 PM", "8:00 PM")

MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August",
    "September", "October", "November", "December",
)

# Techniques and payment methods no vocabulary id covers: left unmapped.
UNMAPPED_TECHNIQUES = (
    "Bamboo Massage", "Gua Sha", "Kinesio Taping", "Scalp Massage", "Hydrotherapy",
    "Watsu", "Polarity Therapy",
)
UNMAPPED_PAYMENTS = ("Cash", "Credit Card", "Check", "Venmo", "Zelle", "Apple Pay", "Gift Certificates")

# Credentials a therapist in each state writes; anything else is national.
STATE_CREDENTIALS = {"WA": ("LMP", "LMT"), "NC": ("LMBT",), "CA": ("CMT", "CMP")}
NATIONAL_CREDENTIALS = ("BCTMB", "NCTMB", "NCTM", "RMT")

EMAIL_USERS = ("{first}", "{first}.{last}", "{f}{last}", "info", "hello", "book", "{first}{n}")
