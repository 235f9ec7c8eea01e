//! Word lists for realistic food-service data: account names by segment, people, places.

use rand::Rng;
use rand::seq::IndexedRandom;

use app::model::{Segment, Stage};

pub struct City {
    pub name: &'static str,
    pub region: &'static str,
    pub area_code: &'static str,
    pub postal_prefix: &'static str,
}

macro_rules! cities {
    ($(($name:literal, $region:literal, $area:literal, $postal:literal)),+ $(,)?) => {
        &[$(City { name: $name, region: $region, area_code: $area, postal_prefix: $postal }),+]
    };
}

pub const CITIES: &[City] = cities![
    ("Austin", "TX", "512", "787"),
    ("Houston", "TX", "713", "770"),
    ("Round Rock", "TX", "512", "786"),
    ("Sugar Land", "TX", "281", "774"),
    ("San Marcos", "TX", "512", "786"),
    ("Katy", "TX", "281", "774"),
    ("Georgetown", "TX", "512", "786"),
    ("Pasadena", "TX", "713", "775"),
    ("Dallas", "TX", "214", "752"),
    ("Fort Worth", "TX", "817", "761"),
    ("San Antonio", "TX", "210", "782"),
    ("El Paso", "TX", "915", "799"),
    ("Denver", "CO", "303", "802"),
    ("Boulder", "CO", "303", "803"),
    ("Phoenix", "AZ", "602", "850"),
    ("Tucson", "AZ", "520", "857"),
    ("Santa Fe", "NM", "505", "875"),
    ("Oklahoma City", "OK", "405", "731"),
    ("Tulsa", "OK", "918", "741"),
    ("New Orleans", "LA", "504", "701"),
    ("Baton Rouge", "LA", "225", "708"),
    ("Nashville", "TN", "615", "372"),
    ("Memphis", "TN", "901", "381"),
    ("Atlanta", "GA", "404", "303"),
    ("Savannah", "GA", "912", "314"),
    ("Charlotte", "NC", "704", "282"),
    ("Raleigh", "NC", "919", "276"),
    ("Chicago", "IL", "312", "606"),
    ("Milwaukee", "WI", "414", "532"),
    ("Minneapolis", "MN", "612", "554"),
    ("Kansas City", "MO", "816", "641"),
    ("St. Louis", "MO", "314", "631"),
    ("Columbus", "OH", "614", "432"),
    ("Cleveland", "OH", "216", "441"),
    ("Pittsburgh", "PA", "412", "152"),
    ("Philadelphia", "PA", "215", "191"),
    ("Boston", "MA", "617", "021"),
    ("Providence", "RI", "401", "029"),
    ("Portland", "OR", "503", "972"),
    ("Seattle", "WA", "206", "981"),
    ("Sacramento", "CA", "916", "958"),
    ("San Diego", "CA", "619", "921"),
];

const ADJECTIVES: &[&str] = &[
    "Golden",
    "Rustic",
    "Blue Plate",
    "Copper",
    "Little",
    "Old Town",
    "Silver",
    "Harvest",
    "Red Barn",
    "Salt & Pepper",
    "Green Olive",
    "Wild Thyme",
    "Iron Skillet",
    "Lucky",
    "Sunny Side",
    "Twin Oaks",
    "Cast Iron",
    "Smoky",
    "Urban",
    "Riverside",
    "Hilltop",
    "Corner",
    "Magnolia",
    "Prairie",
    "Bayou",
    "Lone Star",
];
const NOUNS: &[&str] = &[
    "Fork",
    "Spoon",
    "Table",
    "Kettle",
    "Hearth",
    "Oven",
    "Pantry",
    "Grill",
    "Ladle",
    "Larder",
    "Garden",
    "Orchard",
    "Market",
    "Porch",
    "Pepper",
    "Basil",
    "Sage",
    "Cellar",
    "Smokehouse",
    "Griddle",
];
const CASUAL: &[&str] =
    &["Bistro", "Kitchen", "Grill", "Diner", "Tavern", "Cantina", "Café", "Eatery", "Taproom", "BBQ"];
const FINE: &[&str] = &["Brasserie", "Trattoria", "Steakhouse", "Chophouse", "Osteria", "Supper Club", "Oyster Bar"];
const FAST: &[&str] = &[
    "Burger Barn",
    "Taco Shack",
    "Wing Stop",
    "Chicken Coop",
    "Pizza Co.",
    "Sub Shop",
    "Noodle Bar",
    "Hot Dog Stand",
    "Kolache Corner",
    "Burrito Box",
];
const HEALTH: &[&str] = &[
    "Medical Center",
    "Regional Hospital",
    "Senior Living",
    "Care Home",
    "Rehabilitation Center",
    "Children's Hospital",
];
const SAINTS: &[&str] =
    &["St. Mary's", "St. Luke's", "St. Joseph's", "Mercy", "Baptist", "Methodist", "Good Shepherd", "Memorial"];
const SCHOOLS: &[&str] = &[
    "Elementary School",
    "Middle School",
    "High School",
    "ISD Nutrition Services",
    "Community College Dining",
    "University Dining Hall",
    "Academy",
];
const SCHOOL_NAMES: &[&str] = &[
    "Lincoln",
    "Roosevelt",
    "Jefferson",
    "Washington",
    "Lamar",
    "Travis",
    "Crockett",
    "Bowie",
    "Johnson",
    "Kennedy",
    "Oak Ridge",
    "Cedar Park",
];
const CATERING: &[&str] = &["Catering", "Corporate Dining", "Event Kitchen", "Boxed Lunch Co.", "Office Café"];
const HOTEL: &[&str] = &["Hotel", "Inn", "Resort & Spa", "Suites", "Lodge", "Conference Center"];
const INSTITUTIONAL: &[&str] =
    &["County Food Service", "Correctional Kitchen", "Community Center", "Food Bank Kitchen", "Base Dining Facility"];
const OTHER: &[&str] =
    &["Food Truck", "Stadium Concessions", "Farmers Market Stall", "Ghost Kitchen", "Brewery Kitchen"];

pub const FIRST_NAMES: &[&str] = &[
    "Maria", "James", "Sofia", "Luis", "Emily", "Daniel", "Aisha", "Marco", "Hannah", "Carlos", "Grace", "Kevin",
    "Priya", "Tomás", "Olivia", "Andre", "Mei", "Jamal", "Rosa", "Ethan", "Fatima", "Noah", "Elena", "Samuel", "Chloe",
    "Diego", "Nadia", "Oscar", "Leah", "Victor", "Yuki", "Ben", "Camila", "Isaac", "Tara", "Hugo",
];
pub const LAST_NAMES: &[&str] = &[
    "Garcia",
    "Nguyen",
    "Smith",
    "Rossi",
    "Johnson",
    "Patel",
    "Martinez",
    "Chen",
    "Williams",
    "Lopez",
    "Okafor",
    "Brown",
    "Kim",
    "Hernandez",
    "Davis",
    "Moreau",
    "Rodriguez",
    "Jackson",
    "Silva",
    "Murphy",
    "Kowalski",
    "Tanaka",
    "Dubois",
    "Ortiz",
    "Baker",
    "Schmidt",
    "Reyes",
    "Wright",
    "Haddad",
    "Ferrari",
];
const STREETS: &[&str] = &[
    "Main St",
    "Congress Ave",
    "Lamar Blvd",
    "Oak St",
    "Elm St",
    "Market St",
    "Commerce St",
    "Riverside Dr",
    "Washington Ave",
    "Broadway",
    "Industrial Blvd",
    "Airport Rd",
    "Cedar Ln",
    "Park Ave",
    "Mill St",
    "Harbor Dr",
];
pub const DISTRIBUTORS: &[&str] = &[
    "Sysco",
    "US Foods",
    "Performance Food Group",
    "Gordon Food Service",
    "Shamrock Foods",
    "Ben E. Keith",
    "Reinhart",
];
pub const TAGS: &[&str] = &[
    "organic",
    "gluten-free menu",
    "late night",
    "catering",
    "seasonal menu",
    "new opening",
    "multi-unit",
    "farm-to-table",
    "delivery Tue/Fri",
    "price sensitive",
];
pub const PRINCIPALS: &[&str] = &[
    "Prairie Farms Dairy",
    "Golden Harvest Produce",
    "Blue Ocean Seafood",
    "Heritage Meats",
    "Sunrise Bakery",
    "Valley Fresh Poultry",
    "Casa Verde Salsas",
    "Northern Grain Mills",
    "Lakeside Cheese Co.",
    "Evergreen Oils",
];
const PRODUCTS: &[&str] = &[
    "chicken program",
    "produce switch",
    "dairy line",
    "bread program",
    "seafood menu",
    "frozen fries",
    "cheese line",
    "fryer oil contract",
    "salsa and chips",
    "breakfast menu",
];
pub const SUBJECTS: &[&str] = &[
    "Quarterly check-in",
    "Menu tasting",
    "Delivery follow-up",
    "Pricing review",
    "New item samples",
    "Menu planning for spring",
    "Order issue",
    "Introduced new principal",
    "Chef walkthrough",
    "Contract renewal",
];
pub const NOTES: &[&str] = &[
    "Chef liked the samples; wants pricing for 40 cases a week.",
    "Buyer asked to move delivery to Tuesday mornings.",
    "Menu change planned next month; follow up with spec sheets.",
    "Currently buying through another distributor; open to a trial.",
    "Owner out this week; left samples with the kitchen manager.",
    "Short on last delivery; credit issued, apologized in person.",
    "Interested in the gluten-free line for the new lunch menu.",
    "Price is the main concern; bring the volume discount sheet.",
];

/// A plausible account name for its segment.
pub fn organization_name(rng: &mut impl Rng, segment: Segment, city: &City) -> String {
    let pick = |rng: &mut dyn rand::RngCore, list: &[&'static str]| *list.choose(rng).unwrap_or(&"");
    match segment {
        Segment::CasualDining => match rng.random_range(0..3) {
            0 => format!("{} {} {}", pick(rng, ADJECTIVES), pick(rng, NOUNS), pick(rng, CASUAL)),
            1 => format!("{}'s {}", pick(rng, FIRST_NAMES), pick(rng, CASUAL)),
            _ => format!("The {} {}", pick(rng, NOUNS), pick(rng, CASUAL)),
        },
        Segment::FineDining => match rng.random_range(0..2) {
            0 => format!("{} {}", pick(rng, ADJECTIVES), pick(rng, FINE)),
            _ => format!("{} {}", pick(rng, LAST_NAMES), pick(rng, FINE)),
        },
        Segment::FastFood => format!("{} {}", pick(rng, ADJECTIVES), pick(rng, FAST)),
        Segment::Healthcare => format!("{} {} {}", pick(rng, SAINTS), city.name, pick(rng, HEALTH)),
        Segment::Education => format!("{} {}", pick(rng, SCHOOL_NAMES), pick(rng, SCHOOLS)),
        Segment::CorporateCatering => {
            format!("{} & {} {}", pick(rng, LAST_NAMES), pick(rng, LAST_NAMES), pick(rng, CATERING))
        }
        Segment::Hospitality => format!("The {} {}", city.name, pick(rng, HOTEL)),
        Segment::Institutional => format!("{} {}", city.name, pick(rng, INSTITUTIONAL)),
        Segment::Other => format!("{} {}", pick(rng, ADJECTIVES), pick(rng, OTHER)),
    }
}

pub fn street(rng: &mut impl Rng) -> String {
    format!("{} {}", rng.random_range(100..9900), STREETS.choose(rng).unwrap_or(&"Main St"))
}

/// A number in the 555-01xx block, which is reserved for fiction.
pub fn phone(rng: &mut impl Rng, city: &City) -> String {
    format!("+1{}55501{:02}", city.area_code, rng.random_range(0..100))
}

/// "the-golden-fork-bistro" style domain label for an account's emails.
pub fn domain(name: &str) -> String {
    let slug: String = name
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect::<String>()
        .split('-')
        .filter(|s| !s.is_empty())
        .take(3)
        .collect::<Vec<_>>()
        .join("");
    format!("{slug}.example")
}

pub fn opportunity_name(rng: &mut impl Rng, principal: &str) -> String {
    format!("{} {}", principal.split(' ').next().unwrap_or(principal), PRODUCTS.choose(rng).unwrap_or(&"program"))
}

pub fn stage(rng: &mut impl Rng) -> Stage {
    match rng.random_range(0..100) {
        0..=24 => Stage::Prospecting,
        25..=44 => Stage::Qualification,
        45..=59 => Stage::Proposal,
        60..=71 => Stage::Negotiation,
        72..=87 => Stage::ClosedWon,
        _ => Stage::ClosedLost,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn names_fit_their_segment_and_are_deterministic() {
        let city = &CITIES[0];
        let mut a = rand::rngs::StdRng::seed_from_u64(1);
        let mut b = rand::rngs::StdRng::seed_from_u64(1);
        for segment in Segment::ALL {
            let name = organization_name(&mut a, *segment, city);
            assert!(!name.is_empty() && name.len() <= 200, "{name}");
            assert_eq!(name, organization_name(&mut b, *segment, city));
        }
        let mut rng = rand::rngs::StdRng::seed_from_u64(3);
        assert!(organization_name(&mut rng, Segment::Healthcare, city).contains("Austin"));
    }

    #[test]
    fn generated_contact_details_pass_validation() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(5);
        let number = phone(&mut rng, &CITIES[1]);
        assert_eq!(app::model::validate::normalize_phone(&number).unwrap(), number);
        let email = format!("maria.garcia@{}", domain("St. Mary's Austin Medical Center"));
        assert_eq!(email, "maria.garcia@stmarys.example");
        assert!(app::model::validate::normalize_email(&email).is_ok());
    }
}
