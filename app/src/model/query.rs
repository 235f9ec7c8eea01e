//! List queries: the filters, sort and page of a list, read from a URL's query string
//! (pages and the JSON API use the same parser) and written back for links.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::enums::{InteractionKind, OrganizationKind, Outcome, Priority, Segment, UnknownCode};
use super::validate::{FieldErrors, search_key};

pub const DEFAULT_PER_PAGE: u32 = 25;
pub const MAX_PER_PAGE: u32 = 100;
pub const SEARCH_MAX: usize = 100;

/// One page of a list and where it sits in the whole.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub page: u32,
    pub per_page: u32,
}

impl<T> Page<T> {
    pub fn page_count(&self) -> u32 {
        let pages = (self.total.max(0) as u64).div_ceil(self.per_page.max(1) as u64);
        pages.max(1).min(u32::MAX as u64) as u32
    }

    pub fn has_previous(&self) -> bool {
        self.page > 1
    }

    pub fn has_next(&self) -> bool {
        self.page < self.page_count()
    }

    /// The 1-based positions of the first and last item shown ("26–50 of 312").
    pub fn range(&self) -> (i64, i64) {
        if self.items.is_empty() {
            return (0, 0);
        }
        let first = (self.page as i64 - 1) * self.per_page as i64 + 1;
        (first, first + self.items.len() as i64 - 1)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SortDirection {
    #[default]
    Asc,
    Desc,
}

impl SortDirection {
    pub fn code(self) -> &'static str {
        match self {
            SortDirection::Asc => "asc",
            SortDirection::Desc => "desc",
        }
    }

    pub fn flipped(self) -> Self {
        match self {
            SortDirection::Asc => SortDirection::Desc,
            SortDirection::Desc => SortDirection::Asc,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrganizationSort {
    #[default]
    Name,
    Priority,
    City,
    LastInteraction,
    NextFollowUp,
    Updated,
}

impl OrganizationSort {
    pub const ALL: &'static [OrganizationSort] = &[
        OrganizationSort::Name,
        OrganizationSort::Priority,
        OrganizationSort::City,
        OrganizationSort::LastInteraction,
        OrganizationSort::NextFollowUp,
        OrganizationSort::Updated,
    ];

    pub fn code(self) -> &'static str {
        match self {
            OrganizationSort::Name => "name",
            OrganizationSort::Priority => "priority",
            OrganizationSort::City => "city",
            OrganizationSort::LastInteraction => "last_interaction",
            OrganizationSort::NextFollowUp => "next_follow_up",
            OrganizationSort::Updated => "updated",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            OrganizationSort::Name => "Name",
            OrganizationSort::Priority => "Priority",
            OrganizationSort::City => "City",
            OrganizationSort::LastInteraction => "Last interaction",
            OrganizationSort::NextFollowUp => "Next follow-up",
            OrganizationSort::Updated => "Recently updated",
        }
    }

    fn parse(code: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|s| s.code() == code)
    }
}

/// What the organizations list shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrganizationQuery {
    pub search: Option<String>,
    pub priorities: Vec<Priority>,
    pub segment: Option<Segment>,
    pub kind: Option<OrganizationKind>,
    pub assigned_user_id: Option<Uuid>,
    /// Set by the server from the user's role, never read from a request: only the
    /// organizations assigned to this user.
    #[serde(skip)]
    pub visible_to: Option<Uuid>,
    pub sort: OrganizationSort,
    pub direction: SortDirection,
    pub page: u32,
    pub per_page: u32,
}

impl Default for OrganizationQuery {
    fn default() -> Self {
        OrganizationQuery {
            search: None,
            priorities: Vec::new(),
            segment: None,
            kind: None,
            assigned_user_id: None,
            visible_to: None,
            sort: OrganizationSort::Name,
            direction: SortDirection::Asc,
            page: 1,
            per_page: DEFAULT_PER_PAGE,
        }
    }
}

impl OrganizationQuery {
    /// The home page's "recently updated" list, whose totals are also its headline numbers.
    pub fn recently_updated() -> Self {
        OrganizationQuery {
            sort: OrganizationSort::Updated,
            direction: SortDirection::Desc,
            per_page: 5,
            ..OrganizationQuery::default()
        }
    }

    /// Reads `q, priority (repeatable or comma-separated), segment, kind, assigned_to, sort,
    /// dir, page, per_page`; other keys are ignored. Every bad value is reported.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<Self, FieldErrors> {
        let mut query = OrganizationQuery::default();
        let mut errors = FieldErrors::new();
        for (key, value) in pairs {
            let value = value.trim();
            match key {
                "q" => query.search = parse_search(value, &mut errors),
                "priority" => {
                    for code in value.split(',').map(str::trim).filter(|c| !c.is_empty()) {
                        match code.parse::<Priority>() {
                            Ok(p) if !query.priorities.contains(&p) => query.priorities.push(p),
                            Ok(_) => {}
                            Err(e) => fail(&mut errors, "priority", e),
                        }
                    }
                }
                "segment" => query.segment = parse_optional(value, "segment", &mut errors),
                "kind" => query.kind = parse_optional(value, "kind", &mut errors),
                "assigned_to" if !value.is_empty() => match Uuid::parse_str(value) {
                    Ok(id) => query.assigned_user_id = Some(id),
                    Err(_) => {
                        errors.insert("assigned_to".into(), format!("“{value}” is not a user id."));
                    }
                },
                "sort" if !value.is_empty() => match OrganizationSort::parse(value) {
                    Some(sort) => query.sort = sort,
                    None => {
                        errors.insert("sort".into(), format!("“{value}” is not a sort order."));
                    }
                },
                "dir" => query.direction = parse_direction(value, &mut errors),
                "page" => query.page = parse_page(value, &mut errors),
                "per_page" => query.per_page = parse_per_page(value, &mut errors),
                _ => {}
            }
        }
        query.priorities.sort();
        if errors.is_empty() { Ok(query) } else { Err(errors) }
    }

    /// Like [`Self::from_pairs`], keeping the good values when some are bad, so a page can
    /// show what it understood next to what it did not.
    pub fn from_pairs_lenient<'a>(pairs: &[(&'a str, &'a str)]) -> (Self, FieldErrors) {
        match Self::from_pairs(pairs.iter().copied()) {
            Ok(query) => (query, FieldErrors::new()),
            Err(errors) => {
                let good = pairs.iter().copied().filter(|(k, _)| !errors.contains_key(*k));
                (Self::from_pairs(good).unwrap_or_default(), errors)
            }
        }
    }

    /// The lower-cased search text matched against names.
    pub fn search_key(&self) -> Option<String> {
        self.search.as_deref().map(search_key)
    }

    pub fn offset(&self) -> i64 {
        (self.page.max(1) as i64 - 1) * self.per_page as i64
    }

    /// The query string for this query, defaults left out (stable, short links).
    pub fn to_query_string(&self) -> String {
        let mut out = form_urlencoded::Serializer::new(String::new());
        if let Some(search) = &self.search {
            out.append_pair("q", search);
        }
        if !self.priorities.is_empty() {
            let codes: Vec<&str> = self.priorities.iter().map(|p| p.code()).collect();
            out.append_pair("priority", &codes.join(","));
        }
        if let Some(segment) = self.segment {
            out.append_pair("segment", segment.code());
        }
        if let Some(kind) = self.kind {
            out.append_pair("kind", kind.code());
        }
        if let Some(user) = self.assigned_user_id {
            out.append_pair("assigned_to", &user.to_string());
        }
        if self.sort != OrganizationSort::Name {
            out.append_pair("sort", self.sort.code());
        }
        if self.direction != SortDirection::Asc {
            out.append_pair("dir", self.direction.code());
        }
        if self.page != 1 {
            out.append_pair("page", &self.page.to_string());
        }
        if self.per_page != DEFAULT_PER_PAGE {
            out.append_pair("per_page", &self.per_page.to_string());
        }
        out.finish()
    }

    pub fn with_page(&self, page: u32) -> Self {
        OrganizationQuery { page, ..self.clone() }
    }

    /// Sorting by `sort`: a second click on the current sort flips its direction.
    pub fn sorted_by(&self, sort: OrganizationSort) -> Self {
        let direction = if self.sort == sort { self.direction.flipped() } else { SortDirection::Asc };
        OrganizationQuery { sort, direction, page: 1, ..self.clone() }
    }

    /// Whether any filter narrows the list (for "clear filters" and empty-state wording).
    pub fn is_filtered(&self) -> bool {
        self.search.is_some()
            || !self.priorities.is_empty()
            || self.segment.is_some()
            || self.kind.is_some()
            || self.assigned_user_id.is_some()
    }
}

/// What a list of contacts shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContactQuery {
    pub organization_id: Option<Uuid>,
    pub search: Option<String>,
    /// Set by the server from the user's role: only contacts of organizations assigned to
    /// this user.
    #[serde(skip)]
    pub visible_to: Option<Uuid>,
    pub page: u32,
    pub per_page: u32,
}

impl Default for ContactQuery {
    fn default() -> Self {
        ContactQuery { organization_id: None, search: None, visible_to: None, page: 1, per_page: DEFAULT_PER_PAGE }
    }
}

impl ContactQuery {
    /// Reads `organization_id, q, page, per_page`.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<Self, FieldErrors> {
        let mut query = ContactQuery::default();
        let mut errors = FieldErrors::new();
        for (key, value) in pairs {
            let value = value.trim();
            match key {
                "organization_id" if !value.is_empty() => match Uuid::parse_str(value) {
                    Ok(id) => query.organization_id = Some(id),
                    Err(_) => {
                        errors.insert(key.into(), format!("“{value}” is not an organization id."));
                    }
                },
                "q" => query.search = parse_search(value, &mut errors),
                "page" => query.page = parse_page(value, &mut errors),
                "per_page" => query.per_page = parse_per_page(value, &mut errors),
                _ => {}
            }
        }
        if errors.is_empty() { Ok(query) } else { Err(errors) }
    }

    pub fn search_key(&self) -> Option<String> {
        self.search.as_deref().map(search_key)
    }

    pub fn offset(&self) -> i64 {
        (self.page.max(1) as i64 - 1) * self.per_page as i64
    }
}

/// What a list of interactions shows: newest first unless `dir=asc`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InteractionQuery {
    pub organization_id: Option<Uuid>,
    /// Only those logged by this user (`mine=1` sets it to the caller).
    pub user_id: Option<Uuid>,
    pub kind: Option<InteractionKind>,
    pub outcome: Option<Outcome>,
    /// Only those with a follow-up not done yet.
    pub open_follow_ups: bool,
    /// Set by the server from the user's role: only under organizations assigned to this user.
    #[serde(skip)]
    pub visible_to: Option<Uuid>,
    pub direction: SortDirection,
    pub page: u32,
    pub per_page: u32,
}

impl Default for InteractionQuery {
    fn default() -> Self {
        InteractionQuery {
            organization_id: None,
            user_id: None,
            kind: None,
            outcome: None,
            open_follow_ups: false,
            visible_to: None,
            direction: SortDirection::Desc,
            page: 1,
            per_page: DEFAULT_PER_PAGE,
        }
    }
}

impl InteractionQuery {
    /// Reads `organization, user, kind, outcome, follow_ups, dir, page, per_page`.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<Self, FieldErrors> {
        let mut query = InteractionQuery::default();
        let mut errors = FieldErrors::new();
        let id = |value: &str, field: &str, errors: &mut FieldErrors| match Uuid::parse_str(value) {
            Ok(id) => Some(id),
            Err(_) => {
                errors.insert(field.into(), format!("“{value}” is not an id."));
                None
            }
        };
        for (key, value) in pairs {
            let value = value.trim();
            match key {
                "organization" if !value.is_empty() => query.organization_id = id(value, key, &mut errors),
                "user" if !value.is_empty() => query.user_id = id(value, key, &mut errors),
                "kind" => query.kind = parse_optional(value, key, &mut errors),
                "outcome" => query.outcome = parse_optional(value, key, &mut errors),
                "follow_ups" => query.open_follow_ups = value == "open",
                "dir" => {
                    query.direction =
                        if value.is_empty() { SortDirection::Desc } else { parse_direction(value, &mut errors) }
                }
                "page" => query.page = parse_page(value, &mut errors),
                "per_page" => query.per_page = parse_per_page(value, &mut errors),
                _ => {}
            }
        }
        if errors.is_empty() { Ok(query) } else { Err(errors) }
    }

    pub fn offset(&self) -> i64 {
        (self.page.max(1) as i64 - 1) * self.per_page as i64
    }

    pub fn with_page(&self, page: u32) -> Self {
        InteractionQuery { page, ..self.clone() }
    }

    /// The query string for this query, defaults left out.
    pub fn to_query_string(&self) -> String {
        let mut out = form_urlencoded::Serializer::new(String::new());
        if let Some(id) = self.organization_id {
            out.append_pair("organization", &id.to_string());
        }
        if let Some(id) = self.user_id {
            out.append_pair("user", &id.to_string());
        }
        if let Some(kind) = self.kind {
            out.append_pair("kind", kind.code());
        }
        if let Some(outcome) = self.outcome {
            out.append_pair("outcome", outcome.code());
        }
        if self.open_follow_ups {
            out.append_pair("follow_ups", "open");
        }
        if self.direction != SortDirection::Desc {
            out.append_pair("dir", self.direction.code());
        }
        if self.page != 1 {
            out.append_pair("page", &self.page.to_string());
        }
        if self.per_page != DEFAULT_PER_PAGE {
            out.append_pair("per_page", &self.per_page.to_string());
        }
        out.finish()
    }
}

/// Splits a raw query string ("a=1&b=2") into decoded pairs.
pub fn parse_query_string(query: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(query.trim_start_matches('?').as_bytes()).into_owned().collect()
}

fn fail(errors: &mut FieldErrors, field: &str, error: UnknownCode) {
    errors.entry(field.to_owned()).or_insert_with(|| format!("{error}."));
}

fn parse_optional<T: std::str::FromStr<Err = UnknownCode>>(
    value: &str,
    field: &str,
    errors: &mut FieldErrors,
) -> Option<T> {
    if value.is_empty() {
        return None;
    }
    value.parse().map_err(|e| fail(errors, field, e)).ok()
}

fn parse_search(value: &str, errors: &mut FieldErrors) -> Option<String> {
    let value = super::validate::collapse_whitespace(value);
    if value.chars().count() > SEARCH_MAX {
        errors.insert("q".into(), format!("Search for at most {SEARCH_MAX} characters."));
        return None;
    }
    Some(value).filter(|v| !v.is_empty())
}

fn parse_direction(value: &str, errors: &mut FieldErrors) -> SortDirection {
    match value {
        "" | "asc" => SortDirection::Asc,
        "desc" => SortDirection::Desc,
        _ => {
            errors.insert("dir".into(), "Sort direction is asc or desc.".into());
            SortDirection::Asc
        }
    }
}

fn parse_page(value: &str, errors: &mut FieldErrors) -> u32 {
    match value.parse::<u32>() {
        Ok(page) if page >= 1 => page,
        _ if value.is_empty() => 1,
        _ => {
            errors.insert("page".into(), format!("“{value}” is not a page number."));
            1
        }
    }
}

fn parse_per_page(value: &str, errors: &mut FieldErrors) -> u32 {
    match value.parse::<u32>() {
        Ok(n) if (1..=MAX_PER_PAGE).contains(&n) => n,
        _ if value.is_empty() => DEFAULT_PER_PAGE,
        _ => {
            errors.insert("per_page".into(), format!("Show between 1 and {MAX_PER_PAGE} per page."));
            DEFAULT_PER_PAGE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interaction_queries_round_trip_and_refuse_bad_codes() {
        let org = Uuid::from_u128(5);
        let qs = format!("organization={org}&kind=tasting&outcome=order_placed&follow_ups=open&dir=asc&page=2");
        let pairs = parse_query_string(&qs);
        let query = InteractionQuery::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))).unwrap();
        assert_eq!(query.organization_id, Some(org));
        assert_eq!(query.kind, Some(InteractionKind::Tasting));
        assert_eq!(query.outcome, Some(Outcome::OrderPlaced));
        assert!(query.open_follow_ups);
        assert_eq!((query.direction, query.page), (SortDirection::Asc, 2));
        assert_eq!(query.to_query_string(), qs);
        let bad = InteractionQuery::from_pairs([("kind", "party"), ("user", "me")]).unwrap_err();
        assert!(bad.contains_key("kind") && bad.contains_key("user"));
        assert_eq!(InteractionQuery::default().to_query_string(), "");
    }

    fn parse(qs: &str) -> Result<OrganizationQuery, FieldErrors> {
        let pairs = parse_query_string(qs);
        OrganizationQuery::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
    }

    #[test]
    fn an_empty_query_is_the_default_list() {
        assert_eq!(parse("").unwrap(), OrganizationQuery::default());
        assert_eq!(OrganizationQuery::default().to_query_string(), "");
    }

    #[test]
    fn filters_parse_and_print_back_the_same() {
        let q = parse("q=Joe%27s+pizza&priority=B&priority=A,B&segment=fast_food&kind=customer&sort=city&dir=desc&page=3&per_page=50&__err=x").unwrap();
        assert_eq!(q.search.as_deref(), Some("Joe's pizza"));
        assert_eq!(q.priorities, vec![Priority::A, Priority::B]);
        assert_eq!(q.segment, Some(Segment::FastFood));
        assert_eq!(q.kind, Some(OrganizationKind::Customer));
        assert_eq!((q.sort, q.direction, q.page, q.per_page), (OrganizationSort::City, SortDirection::Desc, 3, 50));
        assert_eq!(q.offset(), 100);
        assert_eq!(parse(&q.to_query_string()).unwrap(), q);
        assert_eq!(q.search_key().as_deref(), Some("joe's pizza"));
    }

    #[test]
    fn every_bad_value_is_named() {
        let errors =
            parse("priority=Z&segment=bakery&sort=size&dir=up&page=0&per_page=1000&assigned_to=bob").unwrap_err();
        let fields: Vec<&str> = errors.keys().map(String::as_str).collect();
        assert_eq!(fields, vec!["assigned_to", "dir", "page", "per_page", "priority", "segment", "sort"]);
    }

    #[test]
    fn lenient_parsing_keeps_the_good_values() {
        let (q, errors) = OrganizationQuery::from_pairs_lenient(&[("q", "deli"), ("page", "x")]);
        assert_eq!(q.search.as_deref(), Some("deli"));
        assert_eq!(q.page, 1);
        assert!(errors.contains_key("page"));
    }

    #[test]
    fn sorting_twice_flips_and_resets_the_page() {
        let q = OrganizationQuery { page: 4, ..Default::default() };
        let by_name = q.sorted_by(OrganizationSort::Name);
        assert_eq!((by_name.direction, by_name.page), (SortDirection::Desc, 1));
        let by_city = by_name.sorted_by(OrganizationSort::City);
        assert_eq!(by_city.direction, SortDirection::Asc);
    }

    #[test]
    fn pages_know_their_range() {
        let page = Page { items: vec![1, 2, 3], total: 53, page: 3, per_page: 25 };
        assert_eq!(page.page_count(), 3);
        assert_eq!(page.range(), (51, 53));
        assert!(page.has_previous() && !page.has_next());
        let empty: Page<i32> = Page { items: vec![], total: 0, page: 1, per_page: 25 };
        assert_eq!((empty.page_count(), empty.range()), (1, (0, 0)));
    }

    #[test]
    fn long_searches_are_refused() {
        let long = "a".repeat(SEARCH_MAX + 1);
        assert!(parse(&format!("q={long}")).unwrap_err().contains_key("q"));
    }

    #[test]
    fn contact_queries_parse() {
        let pairs = parse_query_string("organization_id=00000000-0000-0000-0000-000000000007&q=mar&page=2");
        let q = ContactQuery::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))).unwrap();
        assert_eq!(q.organization_id, Some(Uuid::from_u128(7)));
        assert_eq!(q.search_key().as_deref(), Some("mar"));
        assert_eq!(q.offset(), 25);
    }
}
