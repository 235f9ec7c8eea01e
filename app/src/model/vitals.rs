//! Core Web Vitals of real users (architecture.md, "Monitoring", RUM): the metrics, their
//! ratings with Google's thresholds, the beacon the browser sends and the checks the server
//! makes of it. Pure: shared by the browser's collector and the server's ingestion.

use serde::{Deserialize, Serialize};

use super::validate::FieldErrors;

/// The most samples one beacon may carry (a page's vitals plus a long session's soft
/// navigations); with the errors, keeps a beacon far below `sendBeacon`'s 64 KiB.
pub const MAX_SAMPLES: usize = 60;
/// The most bytes of a beacon's body the server reads.
pub const MAX_BEACON_BYTES: usize = 32 * 1024;
const MAX_ROUTE_CHARS: usize = 120;
const MAX_LABEL_CHARS: usize = 40;

/// What is measured. LCP, INP and CLS are the Core Web Vitals; FCP and TTFB diagnose them;
/// FID (replaced by INP in 2024) is kept as an extra for continuity; NAV is a route change
/// inside the app (a soft navigation): from its start until the new route is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Metric {
    #[serde(rename = "LCP")]
    Lcp,
    #[serde(rename = "CLS")]
    Cls,
    #[serde(rename = "INP")]
    Inp,
    #[serde(rename = "FCP")]
    Fcp,
    #[serde(rename = "TTFB")]
    Ttfb,
    #[serde(rename = "FID")]
    Fid,
    #[serde(rename = "NAV")]
    Nav,
}

impl Metric {
    pub const ALL: &'static [Metric] =
        &[Metric::Lcp, Metric::Cls, Metric::Inp, Metric::Fcp, Metric::Ttfb, Metric::Fid, Metric::Nav];

    pub fn code(self) -> &'static str {
        match self {
            Metric::Lcp => "LCP",
            Metric::Cls => "CLS",
            Metric::Inp => "INP",
            Metric::Fcp => "FCP",
            Metric::Ttfb => "TTFB",
            Metric::Fid => "FID",
            Metric::Nav => "NAV",
        }
    }

    pub fn parse(code: &str) -> Option<Metric> {
        Metric::ALL.iter().copied().find(|m| m.code().eq_ignore_ascii_case(code.trim()))
    }

    /// The largest value a sane report can hold: milliseconds for the timings (10 minutes),
    /// a unitless score for CLS.
    pub fn max_value(self) -> f64 {
        match self {
            Metric::Cls => 100.0,
            _ => 600_000.0,
        }
    }

    /// Good up to the first value, poor above the second (web.dev's thresholds). A soft
    /// navigation is judged as LCP is, as Chrome's soft navigation reports judge the LCP
    /// after one.
    pub fn thresholds(self) -> (f64, f64) {
        match self {
            Metric::Lcp | Metric::Nav => (2_500.0, 4_000.0),
            Metric::Cls => (0.1, 0.25),
            Metric::Inp => (200.0, 500.0),
            Metric::Fcp => (1_800.0, 3_000.0),
            Metric::Ttfb => (800.0, 1_800.0),
            Metric::Fid => (100.0, 300.0),
        }
    }

    pub fn rate(self, value: f64) -> Rating {
        let (good, poor) = self.thresholds();
        if value <= good {
            Rating::Good
        } else if value <= poor {
            Rating::NeedsImprovement
        } else {
            Rating::Poor
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rating {
    Good,
    NeedsImprovement,
    Poor,
}

impl Rating {
    pub fn code(self) -> &'static str {
        match self {
            Rating::Good => "good",
            Rating::NeedsImprovement => "needs-improvement",
            Rating::Poor => "poor",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Rating::Good => "good",
            Rating::NeedsImprovement => "needs improvement",
            Rating::Poor => "poor",
        }
    }
}

/// The kind of device, from the viewport and pointer (phones are what reps carry).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeviceClass {
    Mobile,
    Tablet,
    Desktop,
}

impl DeviceClass {
    pub const ALL: &'static [DeviceClass] = &[DeviceClass::Mobile, DeviceClass::Tablet, DeviceClass::Desktop];

    pub fn code(self) -> &'static str {
        match self {
            DeviceClass::Mobile => "mobile",
            DeviceClass::Tablet => "tablet",
            DeviceClass::Desktop => "desktop",
        }
    }

    pub fn parse(code: &str) -> Option<DeviceClass> {
        DeviceClass::ALL.iter().copied().find(|d| d.code() == code.trim())
    }

    /// From the viewport's width in CSS pixels and whether the main pointer is coarse.
    pub fn of(width: f64, coarse_pointer: bool) -> DeviceClass {
        match (width, coarse_pointer) {
            (w, true) if w < 600.0 => DeviceClass::Mobile,
            (w, true) if w < 1_100.0 => DeviceClass::Tablet,
            (w, false) if w < 600.0 => DeviceClass::Mobile,
            _ => DeviceClass::Desktop,
        }
    }
}

/// One measured value, with what it was measured on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VitalSample {
    pub metric: Metric,
    pub value: f64,
    /// The route template (`/organizations/:id`), never the address with its ids.
    pub route: String,
    pub device: DeviceClass,
    /// `navigator.connection.effectiveType` where the browser has it (`4g`, `3g`…).
    #[serde(default)]
    pub connection: Option<String>,
    /// `navigate`, `reload`, `back-forward`, `prerender`, or `soft` for a route change
    /// inside the app.
    #[serde(default)]
    pub navigation: Option<String>,
}

/// What failed in the browser.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClientErrorKind {
    /// The app's Rust code panicked.
    Panic,
    /// An uncaught JavaScript exception (`error` event).
    Error,
    /// A promise rejected with nobody to handle it.
    Rejection,
}

impl ClientErrorKind {
    pub fn code(self) -> &'static str {
        match self {
            ClientErrorKind::Panic => "panic",
            ClientErrorKind::Error => "error",
            ClientErrorKind::Rejection => "rejection",
        }
    }
}

/// An error a page met, reported with its route template.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientError {
    pub kind: ClientErrorKind,
    pub message: String,
    pub route: String,
}

/// The most errors one beacon may carry, and of one message's characters.
pub const MAX_ERRORS: usize = 10;
pub const MAX_ERROR_CHARS: usize = 500;

/// A page's batch of samples and errors, sent with `navigator.sendBeacon`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VitalsBeacon {
    /// The build that measured them, so a regression can be tied to a release.
    pub app_version: String,
    #[serde(default)]
    pub samples: Vec<VitalSample>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ClientError>,
    /// The changes made on this device that have not reached the server (waiting to be sent,
    /// or refused and waiting for the rep), as the page knew them when the beacon left.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending_ops: Option<u32>,
}

/// More offline changes than any device could hold: a beacon saying so is refused.
pub const MAX_PENDING_OPS: u32 = 1_000_000;

impl VitalsBeacon {
    /// Refuses what no honest collector sends: no samples or too many, values out of range,
    /// an address in place of a route template, oversized labels. Each message names the
    /// sample (`samples[3].value`).
    pub fn check(&self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::new();
        let mut fail = |field: String, message: String| {
            errors.entry(field).or_insert(message);
        };
        if self.samples.is_empty() && self.errors.is_empty() {
            fail("samples".into(), "The beacon has no samples and no errors.".into());
        }
        if self.errors.len() > MAX_ERRORS {
            fail("errors".into(), format!("The beacon has {} errors; send at most {MAX_ERRORS}.", self.errors.len()));
        }
        for (i, error) in self.errors.iter().enumerate() {
            let chars = error.message.trim().chars().count();
            if chars == 0 || chars > MAX_ERROR_CHARS {
                fail(format!("errors[{i}].message"), format!("Say what failed in 1 to {MAX_ERROR_CHARS} characters."));
            }
            if !is_route_template(&error.route) {
                fail(format!("errors[{i}].route"), "Send the route template, not an address.".into());
            }
        }
        if self.samples.len() > MAX_SAMPLES {
            fail(
                "samples".into(),
                format!("The beacon has {} samples; send at most {MAX_SAMPLES}.", self.samples.len()),
            );
        }
        if self.pending_ops.is_some_and(|n| n > MAX_PENDING_OPS) {
            fail("pending_ops".into(), format!("A device holds at most {MAX_PENDING_OPS} changes."));
        }
        if !is_label(&self.app_version) {
            fail("app_version".into(), format!("Name the build in at most {MAX_LABEL_CHARS} plain characters."));
        }
        for (i, sample) in self.samples.iter().enumerate() {
            let max = sample.metric.max_value();
            if !sample.value.is_finite() || sample.value < 0.0 || sample.value > max {
                fail(
                    format!("samples[{i}].value"),
                    format!("{} must be between 0 and {max}; got {}.", sample.metric.code(), sample.value),
                );
            }
            if !is_route_template(&sample.route) {
                fail(
                    format!("samples[{i}].route"),
                    "Send the route template (such as /organizations/:id), not an address.".into(),
                );
            }
            for (name, label) in [("connection", &sample.connection), ("navigation", &sample.navigation)] {
                if label.as_deref().is_some_and(|l| !is_label(l)) {
                    fail(format!("samples[{i}].{name}"), format!("At most {MAX_LABEL_CHARS} plain characters."));
                }
            }
        }
        if errors.is_empty() { Ok(()) } else { Err(errors) }
    }
}

/// A path of the app's routes: segments of letters, digits, `-` and `_`, or `:param`; no
/// query, no ids (so the number of series stays small).
pub fn is_route_template(route: &str) -> bool {
    route.starts_with('/')
        && route.chars().count() <= MAX_ROUTE_CHARS
        && route[1..].split('/').all(|segment| {
            let name = segment.strip_prefix(':').unwrap_or(segment);
            name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') && !looks_like_an_id(segment)
        })
}

/// The route template of an address: ids (UUIDs, numbers) become `:id`, the query and
/// fragment are dropped (`/organizations/0192…?tab=x` → `/organizations/:id`).
pub fn route_template(address: &str) -> String {
    let path = address.split(['?', '#']).next().unwrap_or_default();
    let segments: Vec<&str> =
        path.split('/').filter(|s| !s.is_empty()).map(|s| if looks_like_an_id(s) { ":id" } else { s }).collect();
    let template = format!("/{}", segments.join("/"));
    // An address no route of ours has (odd characters, very long) counts as one series.
    if is_route_template(&template) { template } else { "/unknown".to_owned() }
}

fn looks_like_an_id(segment: &str) -> bool {
    segment.len() >= 8 && segment.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
        || (!segment.is_empty() && segment.chars().all(|c| c.is_ascii_digit()))
}

fn is_label(label: &str) -> bool {
    !label.is_empty()
        && label.chars().count() <= MAX_LABEL_CHARS
        && label.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '+'))
}

/// The value at quantile `q` (0–1) of `sorted` values: the nearest rank, as the Chrome UX
/// Report states p75 (the value 75 % of visits reach or beat).
pub fn nearest_rank(sorted: &[f64], q: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (q.clamp(0.0, 1.0) * sorted.len() as f64).ceil() as usize;
    sorted.get(rank.saturating_sub(1).min(sorted.len() - 1)).copied()
}

/// How the values of one metric spread, for a route and device class (`None`: all of them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VitalSummary {
    pub metric: Metric,
    pub route: Option<String>,
    pub device: Option<DeviceClass>,
    pub samples: u64,
    pub p50: f64,
    /// The figure Core Web Vitals are judged by: 75 % of visits do at least this well.
    pub p75: f64,
    pub p95: f64,
    /// The rating of the p75.
    pub rating: Rating,
    /// Shares of the samples rated good, needs improvement and poor (0–1, summing to 1).
    pub good: f64,
    pub needs_improvement: f64,
    pub poor: f64,
}

/// One stored value, as the summary reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct MeasuredValue {
    pub metric: Metric,
    pub route: String,
    pub device: DeviceClass,
    pub value: f64,
}

/// The summaries of `values`: per metric, route and device class, per metric and route, per
/// metric and device class, and per metric overall; by metric, then route, then device.
pub fn summarize(values: &[MeasuredValue]) -> Vec<VitalSummary> {
    use std::collections::BTreeMap;
    type Key = (Metric, Option<String>, Option<DeviceClass>);
    let mut groups: BTreeMap<Key, Vec<f64>> = BTreeMap::new();
    for v in values.iter().filter(|v| v.value.is_finite()) {
        let (route, device) = (Some(v.route.clone()), Some(v.device));
        for key in [
            (v.metric, route.clone(), device),
            (v.metric, route, None),
            (v.metric, None, device),
            (v.metric, None, None),
        ] {
            groups.entry(key).or_default().push(v.value);
        }
    }
    groups
        .into_iter()
        .filter_map(|((metric, route, device), mut values)| {
            values.sort_by(f64::total_cmp);
            let p75 = nearest_rank(&values, 0.75)?;
            let n = values.len() as f64;
            let share = |rating: Rating| values.iter().filter(|v| metric.rate(**v) == rating).count() as f64 / n;
            Some(VitalSummary {
                p50: nearest_rank(&values, 0.5)?,
                p95: nearest_rank(&values, 0.95)?,
                rating: metric.rate(p75),
                good: share(Rating::Good),
                needs_improvement: share(Rating::NeedsImprovement),
                poor: share(Rating::Poor),
                samples: values.len() as u64,
                metric,
                route,
                device,
                p75,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(metric: Metric, value: f64, route: &str) -> VitalSample {
        VitalSample {
            metric,
            value,
            route: route.into(),
            device: DeviceClass::Mobile,
            connection: Some("4g".into()),
            navigation: Some("navigate".into()),
        }
    }

    #[test]
    fn ratings_follow_the_published_thresholds() {
        assert_eq!(Metric::Lcp.rate(2_500.0), Rating::Good);
        assert_eq!(Metric::Lcp.rate(2_501.0), Rating::NeedsImprovement);
        assert_eq!(Metric::Lcp.rate(4_001.0), Rating::Poor);
        assert_eq!(Metric::Cls.rate(0.1), Rating::Good);
        assert_eq!(Metric::Cls.rate(0.25), Rating::NeedsImprovement);
        assert_eq!(Metric::Cls.rate(0.26), Rating::Poor);
        assert_eq!(Metric::Inp.rate(200.0), Rating::Good);
        assert_eq!(Metric::Inp.rate(500.0), Rating::NeedsImprovement);
        assert_eq!(Metric::Ttfb.rate(1_900.0), Rating::Poor);
        assert_eq!(Metric::Fcp.rate(1_800.0), Rating::Good);
        assert_eq!(Metric::Fid.rate(150.0), Rating::NeedsImprovement);
    }

    #[test]
    fn metrics_and_ratings_keep_their_wire_names() {
        assert_eq!(serde_json::to_value(Metric::Inp).unwrap(), "INP");
        assert_eq!(serde_json::to_value(Rating::NeedsImprovement).unwrap(), "needs-improvement");
        assert_eq!(Metric::parse("ttfb"), Some(Metric::Ttfb));
        assert_eq!(Metric::parse("TTI"), None);
    }

    #[test]
    fn a_phone_a_tablet_and_a_desktop_are_told_apart() {
        assert_eq!(DeviceClass::of(390.0, true), DeviceClass::Mobile);
        assert_eq!(DeviceClass::of(820.0, true), DeviceClass::Tablet);
        assert_eq!(DeviceClass::of(1_440.0, false), DeviceClass::Desktop);
        assert_eq!(DeviceClass::of(500.0, false), DeviceClass::Mobile);
    }

    #[test]
    fn route_templates_are_accepted_and_addresses_refused() {
        for ok in ["/", "/organizations", "/organizations/:id", "/contacts/:id/edit", "/vitals-test"] {
            assert!(is_route_template(ok), "{ok}");
        }
        for bad in [
            "organizations",
            "/organizations/0192f3c4-7b1a-7c3e-8f00-0123456789ab",
            "/organizations?q=pizza",
            "/users/42",
            "/a b",
        ] {
            assert!(!is_route_template(bad), "{bad}");
        }
    }

    #[test]
    fn an_address_becomes_its_route_template() {
        assert_eq!(route_template("/organizations/0192f3c4-7b1a-7c3e-8f00-0123456789ab"), "/organizations/:id");
        assert_eq!(route_template("/contacts/0192f3c4-7b1a-7c3e-8f00-0123456789ab/edit?x=1"), "/contacts/:id/edit");
        assert_eq!(route_template("/log?organization=0192f3c4"), "/log");
        assert_eq!(route_template("/"), "/");
        assert_eq!(route_template("/users/42#top"), "/users/:id");
        assert_eq!(route_template("/na%C3%AFve"), "/unknown");
    }

    #[test]
    fn a_sane_beacon_passes_and_each_bad_sample_is_named() {
        let good = VitalsBeacon {
            app_version: "0.1.0+abc123".into(),
            samples: vec![sample(Metric::Lcp, 1_234.5, "/today"), sample(Metric::Cls, 0.02, "/today")],
            errors: vec![],
            pending_ops: Some(3),
        };
        assert_eq!(good.check(), Ok(()));
        let too_many = VitalsBeacon { pending_ops: Some(MAX_PENDING_OPS + 1), ..good.clone() };
        assert!(too_many.check().unwrap_err().contains_key("pending_ops"));
        let bad = VitalsBeacon {
            app_version: "0.1.0".into(),
            samples: vec![
                sample(Metric::Lcp, -1.0, "/today"),
                sample(Metric::Cls, f64::NAN, "/today"),
                sample(Metric::Inp, 80.0, "/organizations/0192f3c4-7b1a-7c3e-8f00-0123456789ab"),
                VitalSample { connection: Some("<script>".into()), ..sample(Metric::Fcp, 900.0, "/") },
            ],
            errors: vec![],
            pending_ops: None,
        };
        let errors = bad.check().unwrap_err();
        let fields: Vec<&str> = errors.keys().map(String::as_str).collect();
        assert_eq!(fields, ["samples[0].value", "samples[1].value", "samples[2].route", "samples[3].connection"]);
        let empty = VitalsBeacon { app_version: "x".into(), samples: vec![], errors: vec![], pending_ops: None };
        assert!(empty.check().unwrap_err().contains_key("samples"));
        let flood = VitalsBeacon {
            app_version: "x".into(),
            samples: vec![sample(Metric::Fid, 1.0, "/"); MAX_SAMPLES + 1],
            errors: vec![],
            pending_ops: None,
        };
        assert!(flood.check().unwrap_err()["samples"].contains("at most"));
    }

    #[test]
    fn summaries_give_p75_and_rating_shares_per_route_device_and_overall() {
        let value = |metric, route: &str, device, value| MeasuredValue { metric, route: route.into(), device, value };
        let mut values: Vec<MeasuredValue> =
            (1..=8).map(|i| value(Metric::Lcp, "/today", DeviceClass::Mobile, f64::from(i) * 500.0)).collect();
        values.push(value(Metric::Lcp, "/organizations", DeviceClass::Desktop, 900.0));
        values.push(value(Metric::Cls, "/today", DeviceClass::Mobile, 0.3));
        let summaries = summarize(&values);
        let find = |metric, route: Option<&str>, device| {
            summaries
                .iter()
                .find(|s| s.metric == metric && s.route.as_deref() == route && s.device == device)
                .unwrap_or_else(|| panic!("{metric:?} {route:?} {device:?}"))
        };
        // 500 … 4000 ms: p75 is the 6th value, 3000 ms (needs improvement).
        let today = find(Metric::Lcp, Some("/today"), Some(DeviceClass::Mobile));
        assert_eq!((today.samples, today.p50, today.p75, today.p95), (8, 2_000.0, 3_000.0, 4_000.0));
        assert_eq!(today.rating, Rating::NeedsImprovement);
        assert_eq!((today.good, today.needs_improvement, today.poor), (5.0 / 8.0, 3.0 / 8.0, 0.0));
        let all = find(Metric::Lcp, None, None);
        assert_eq!((all.samples, all.p75), (9, 3_000.0));
        assert_eq!(find(Metric::Lcp, None, Some(DeviceClass::Desktop)).p75, 900.0);
        assert_eq!(find(Metric::Lcp, Some("/organizations"), None).rating, Rating::Good);
        assert_eq!(find(Metric::Cls, None, None).rating, Rating::Poor);
        assert_eq!(summaries.first().map(|s| s.metric), Some(Metric::Lcp), "metrics in their order");
        assert!(summarize(&[]).is_empty());
    }

    #[test]
    fn a_beacon_may_carry_errors_alone_and_each_bad_one_is_named() {
        let error =
            |kind, message: &str, route: &str| ClientError { kind, message: message.into(), route: route.into() };
        let only_errors = VitalsBeacon {
            app_version: "0.1.0".into(),
            samples: vec![],
            errors: vec![error(ClientErrorKind::Panic, "index out of bounds", "/log")],
            pending_ops: None,
        };
        assert_eq!(only_errors.check(), Ok(()));
        let json = serde_json::to_value(&only_errors).unwrap();
        assert_eq!(json["errors"][0]["kind"], "panic");
        let bad = VitalsBeacon {
            errors: vec![
                error(ClientErrorKind::Error, " ", "/log"),
                error(ClientErrorKind::Rejection, "x", "/log?id=1"),
            ],
            ..only_errors.clone()
        };
        let fields: Vec<String> = bad.check().unwrap_err().into_keys().collect();
        assert_eq!(fields, ["errors[0].message", "errors[1].route"]);
        let flood = VitalsBeacon { errors: vec![only_errors.errors[0].clone(); MAX_ERRORS + 1], ..only_errors };
        assert!(flood.check().unwrap_err().contains_key("errors"));
        assert_eq!(Metric::Nav.rate(900.0), Rating::Good, "a soft navigation is judged as LCP");
    }

    #[test]
    fn the_nearest_rank_is_a_value_that_was_measured() {
        let values: Vec<f64> = (1..=20).map(f64::from).collect();
        assert_eq!(nearest_rank(&values, 0.75), Some(15.0));
        assert_eq!(nearest_rank(&values, 0.5), Some(10.0));
        assert_eq!(nearest_rank(&values, 0.95), Some(19.0));
        assert_eq!(nearest_rank(&values, 1.0), Some(20.0));
        assert_eq!(nearest_rank(&[7.0], 0.75), Some(7.0));
        assert_eq!(nearest_rank(&[], 0.75), None);
    }
}
