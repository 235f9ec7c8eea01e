//! The one search box: what a query means (words, phone digits), the full-text queries it
//! becomes, and how hits are ranked — the same way on both databases. Pure functions.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::validate::search_key;

pub const SEARCH_MAX_CHARS: usize = 100;
/// A fuzzy hit must share at least this share of the query's trigrams with its name.
pub const FUZZY_MIN_SIMILARITY: f64 = 0.5;

/// A parsed search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchQuery {
    /// Case-folded, whitespace collapsed.
    pub text: String,
    pub words: Vec<String>,
    /// The digits, when the query looks like (part of) a phone number.
    pub digits: Option<String>,
}

impl SearchQuery {
    /// `None` for an empty query; an error for one too long to be a name.
    pub fn parse(raw: &str) -> Result<Option<SearchQuery>, String> {
        if raw.chars().count() > SEARCH_MAX_CHARS {
            return Err(format!("Search for at most {SEARCH_MAX_CHARS} characters."));
        }
        let text = search_key(raw);
        if text.is_empty() {
            return Ok(None);
        }
        let digits: String = text.chars().filter(char::is_ascii_digit).collect();
        let phone_like = text.chars().all(|c| c.is_ascii_digit() || " +-().".contains(c));
        let words = text.split(' ').map(str::to_owned).collect();
        Ok(Some(SearchQuery { digits: (phone_like && digits.len() >= 3).then_some(digits), words, text }))
    }

    /// The FTS5 (trigram) query for hits containing every word (and the digits in a phone
    /// number), or `None` when no word is long enough for trigrams.
    pub fn fts_exact(&self) -> Option<String> {
        if let Some(digits) = &self.digits {
            return Some(format!("phone : {}", quoted(digits)));
        }
        let words: Vec<String> = self.words.iter().filter(|w| w.chars().count() >= 3).map(|w| quoted(w)).collect();
        (!words.is_empty()).then(|| words.join(" AND "))
    }

    /// The FTS5 query for names containing the query's words (which come before other fields'
    /// matches when there are many). None for phone numbers.
    pub fn fts_names(&self) -> Option<String> {
        self.fts_exact().filter(|_| self.digits.is_none()).map(|words| format!("name : ({words})"))
    }

    /// The FTS5 query for near misses: any trigram of the longer words, in the name.
    pub fn fts_fuzzy(&self) -> Option<String> {
        let grams: BTreeSet<String> = self
            .words
            .iter()
            .filter(|w| w.chars().count() >= 4)
            .flat_map(|w| {
                let chars: Vec<char> = w.chars().collect();
                chars.windows(3).map(|g| g.iter().collect::<String>()).collect::<Vec<_>>()
            })
            .collect();
        (!grams.is_empty() && self.digits.is_none())
            .then(|| format!("name : ({})", grams.iter().map(|g| quoted(g)).collect::<Vec<_>>().join(" OR ")))
    }
}

/// A string as an FTS5 phrase (double quotes doubled).
fn quoted(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
}

/// The trigrams of a text as pg_trgm makes them: per word, padded with two spaces before and
/// one after, lower-cased, non-alphanumerics as word breaks.
pub fn trigrams(text: &str) -> BTreeSet<String> {
    let lower = text.to_lowercase();
    let mut out = BTreeSet::new();
    for word in lower.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()) {
        let padded: Vec<char> = format!("  {word} ").chars().collect();
        for gram in padded.windows(3) {
            out.insert(gram.iter().collect());
        }
    }
    out
}

/// The share of the query's trigrams found in `text` (1.0: every one; pg_trgm's word
/// similarity measures much the same).
pub fn word_similarity(query: &str, text: &str) -> f64 {
    let wanted = trigrams(query);
    if wanted.is_empty() {
        return 0.0;
    }
    let found = trigrams(text);
    wanted.intersection(&found).count() as f64 / wanted.len() as f64
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum HitKind {
    Organization,
    Contact,
}

/// One result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchHit {
    pub kind: HitKind,
    pub id: Uuid,
    pub title: String,
    /// The place (organizations) or the organization and position (contacts).
    pub detail: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub organization_id: Uuid,
    /// How the hit matched, best first: 0 the name starts with the query, 1 a word of the
    /// name does, 2 the name contains it, 3 another field does, 4 a near miss.
    pub tier: u8,
    pub similarity: f64,
}

impl SearchHit {
    pub fn href(&self) -> String {
        match self.kind {
            HitKind::Organization => format!("/organizations/{}", self.id),
            HitKind::Contact => format!("/organizations/{}#contacts", self.organization_id),
        }
    }
}

/// The fields besides the name a search looks at.
#[derive(Debug, Clone, Copy, Default)]
pub struct OtherFields<'a> {
    /// Matched anywhere (city and region).
    pub place: Option<&'a str>,
    /// Matched from its start.
    pub email: Option<&'a str>,
    /// Matched by digits anywhere.
    pub phones: [Option<&'a str>; 2],
}

impl OtherFields<'_> {
    fn match_query(&self, query: &SearchQuery) -> bool {
        let place = self.place.is_some_and(|p| p.to_lowercase().contains(&query.text));
        let email = self.email.is_some_and(|e| e.starts_with(&query.text));
        let phone = query.digits.as_ref().is_some_and(|d| self.phones.iter().flatten().any(|p| p.contains(d.as_str())));
        place || email || phone
    }
}

/// How a hit whose searchable name is `name` (case-folded) matches the query: its tier and
/// similarity, or `None` for a candidate too far from the query to show.
pub fn rank(query: &SearchQuery, name: &str, other: OtherFields) -> Option<(u8, f64)> {
    let similarity = word_similarity(&query.text, name);
    let tier = if name.starts_with(&query.text) {
        0
    } else if name.split(' ').any(|w| w.starts_with(&query.text)) {
        1
    } else if name.contains(&query.text) {
        2
    } else if other.match_query(query) {
        3
    } else if similarity >= FUZZY_MIN_SIMILARITY {
        4
    } else {
        return None;
    };
    Some((tier, similarity))
}

/// Best first: by tier, then similarity, then name.
pub fn sort_hits(hits: &mut [SearchHit]) {
    hits.sort_by(|a, b| {
        a.tier
            .cmp(&b.tier)
            .then(b.similarity.total_cmp(&a.similarity))
            .then_with(|| a.title.to_lowercase().cmp(&b.title.to_lowercase()))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(text: &str) -> SearchQuery {
        SearchQuery::parse(text).unwrap().unwrap()
    }

    #[test]
    fn queries_become_words_or_phone_digits() {
        assert_eq!(SearchQuery::parse("   ").unwrap(), None);
        assert!(SearchQuery::parse(&"x".repeat(101)).is_err());
        let name = q("  Joe's   PIZZA ");
        assert_eq!((name.text.as_str(), name.digits.as_deref()), ("joe's pizza", None));
        assert_eq!(name.fts_exact().as_deref(), Some("\"joe's\" AND \"pizza\""));
        let phone = q("(555) 123-45");
        assert_eq!(phone.digits.as_deref(), Some("55512345"));
        assert_eq!(phone.fts_exact().as_deref(), Some("phone : \"55512345\""));
        assert_eq!(q("ab").fts_exact(), None, "too short for trigrams");
        assert_eq!(q("say \"hi\"").fts_exact().as_deref(), Some("\"say\" AND \"\"\"hi\"\"\""));
    }

    #[test]
    fn many_matches_look_at_names_first() {
        assert_eq!(q("Joe's pizza").fts_names().as_deref(), Some("name : (\"joe's\" AND \"pizza\")"));
        assert_eq!(q("jo smith").fts_names().as_deref(), Some("name : (\"smith\")"));
        assert_eq!(q("jo").fts_names(), None, "too short for trigrams");
        assert_eq!(q("555 1234").fts_names(), None, "phone numbers have no name");
    }

    #[test]
    fn fuzzy_queries_take_the_trigrams_of_longer_words() {
        assert_eq!(q("pizz ab").fts_fuzzy().as_deref(), Some("name : (\"izz\" OR \"piz\")"));
        assert_eq!(q("ab").fts_fuzzy(), None);
        assert_eq!(q("555 1234").fts_fuzzy(), None, "phone numbers are not spelt");
    }

    #[test]
    fn a_misspelt_name_is_still_close() {
        assert!(word_similarity("trattorai", "la trattoria di marco") >= FUZZY_MIN_SIMILARITY);
        assert!(word_similarity("burgr", "big burger barn") >= FUZZY_MIN_SIMILARITY);
        assert!(word_similarity("trattorai", "golden dragon") < 0.2);
        assert_eq!(word_similarity("", "anything"), 0.0);
    }

    #[test]
    fn prefixes_rank_before_words_before_substrings_before_near_misses() {
        let none = OtherFields::default();
        let query = q("bur");
        assert_eq!(rank(&query, "burger barn", none).unwrap().0, 0);
        assert_eq!(rank(&query, "big burger barn", none).unwrap().0, 1);
        assert_eq!(rank(&query, "cheeseburgers", none).unwrap().0, 2);
        let austin = OtherFields { place: Some("Austin, TX"), ..none };
        assert_eq!(rank(&q("austin"), "joe's", austin).unwrap().0, 3);
        let phoned = OtherFields { phones: [None, Some("+15551234567")], ..none };
        assert_eq!(rank(&q("555123"), "joe's", phoned).unwrap().0, 3);
        let mailed = OtherFields { email: Some("mario@trattoria.example"), ..none };
        assert_eq!(rank(&q("mario@"), "mr rossi", mailed).unwrap().0, 3);
        assert_eq!(rank(&q("trattoria"), "mr rossi", mailed), None, "emails match from their start");
        assert_eq!(rank(&q("burgr"), "big burger barn", none).unwrap().0, 4);
        assert_eq!(rank(&q("sushi"), "big burger barn", none), None);
        let hit = |title: &str, tier: u8, similarity: f64| SearchHit {
            kind: HitKind::Organization,
            id: Uuid::nil(),
            title: title.into(),
            detail: None,
            email: None,
            phone: None,
            organization_id: Uuid::nil(),
            tier,
            similarity,
        };
        let mut hits = vec![hit("B", 2, 0.9), hit("C", 0, 0.5), hit("A", 0, 0.5), hit("D", 0, 0.8)];
        sort_hits(&mut hits);
        assert_eq!(hits.iter().map(|h| h.title.as_str()).collect::<Vec<_>>(), ["D", "A", "C", "B"]);
    }
}
