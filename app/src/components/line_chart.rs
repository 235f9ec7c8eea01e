//! A time-series line chart drawn as SVG from Rust: grid on round figures, one line per
//! series, a read-out of the point under the pointer or finger, and the figures as a table
//! for screen readers and anyone who wants the numbers (a `<details>`, so it opens without
//! JavaScript too).

use chrono::DateTime;
use leptos::prelude::*;

use crate::model::monitoring::{Chart, Period, line_path, nice_ceiling};

const WIDTH: f64 = 600.0;
const HEIGHT: f64 = 150.0;
/// Room on the left for the scale and below for the times.
const LEFT: f64 = 72.0;
const BOTTOM: f64 = 22.0;
const TOP: f64 = 8.0;

fn time_label(period: Period, at: i64) -> String {
    let Some(at) = DateTime::from_timestamp(at, 0) else { return String::new() };
    match period {
        Period::Week => at.format("%a %H:%M").to_string(),
        _ => at.format("%H:%M").to_string(),
    }
}

/// The chart's figures in one sentence: what a screen reader hears first.
fn summary(chart: &Chart) -> String {
    let parts: Vec<String> = chart
        .series
        .iter()
        .map(|s| {
            let latest = s.values.iter().rev().flatten().next().copied();
            let highest = s.values.iter().flatten().copied().reduce(f64::max);
            format!("{} latest {}, highest {}", s.name, chart.unit.format(latest), chart.unit.format(highest))
        })
        .collect();
    format!("{}: {}", chart.title, parts.join("; "))
}

/// What the reader did on a live page, kept across its refreshes (each one draws the page
/// anew): the point read out on each chart and the `<details>` opened, by key. A page
/// provides one; without it the state lives as long as the view.
#[derive(Clone, Copy)]
pub struct KeptView {
    hover: RwSignal<std::collections::HashMap<String, usize>>,
    open: RwSignal<std::collections::HashSet<String>>,
}

impl KeptView {
    pub fn provide() {
        provide_context(KeptView::new());
    }

    fn new() -> Self {
        KeptView { hover: RwSignal::new(Default::default()), open: RwSignal::new(Default::default()) }
    }

    fn here() -> Self {
        use_context::<KeptView>().unwrap_or_else(KeptView::new)
    }
}

/// A `<details>` that stays open (or closed) when its page refreshes. Without JavaScript it
/// is a plain `<details>`.
#[component]
pub fn KeptDetails(
    #[prop(into)] key: String,
    #[prop(into)] summary: ViewFnOnce,
    class: &'static str,
    children: Children,
) -> impl IntoView {
    let kept = KeptView::here();
    let (is_open, toggle) = (key.clone(), key);
    view! {
        <details class=class prop:open=move || kept.open.with(|o| o.contains(&is_open))>
            <summary on:click=move |ev| {
                // The page decides, so a refresh redraws it as the reader left it.
                ev.prevent_default();
                kept.open.update(|o| if !o.remove(&toggle) { o.insert(toggle.clone()); });
            }>{summary.run()}</summary>
            {children()}
        </details>
    }
}

#[component]
pub fn LineChart(chart: Chart, period: Period) -> AnyView {
    let highest = chart.series.iter().flat_map(|s| s.values.iter().flatten().copied()).fold(0.0, f64::max);
    let top = nice_ceiling(highest);
    let (plot_w, plot_h) = (WIDTH - LEFT, HEIGHT - TOP - BOTTOM);
    let points = chart.times.len();
    let slot = plot_w / points.max(1) as f64;
    let kept = KeptView::here();
    let key: std::sync::Arc<str> = chart.key.as_str().into();
    let read_at = {
        let key = key.clone();
        move |point: Option<usize>| {
            kept.hover.update(|h| match point {
                Some(i) => {
                    h.insert(key.to_string(), i);
                }
                None => {
                    h.remove(&*key);
                }
            })
        }
    };
    let hover = {
        let key = key.clone();
        move || kept.hover.with(|h| h.get(&*key).copied())
    };
    let title_id = format!("chart-{}-title", chart.key);
    let described = summary(&chart);
    let unit = chart.unit;
    let idle = if chart.series.iter().all(|s| s.values.iter().all(Option::is_none)) {
        "Nothing measured in this period yet."
    } else {
        "Point at the chart to read a time."
    };

    let grid = [0.0, 0.5, 1.0]
        .into_iter()
        .map(|f| {
            let y = TOP + plot_h - f * plot_h;
            view! {
                <g class="chart-grid">
                    <line x1=LEFT x2=WIDTH y1=y y2=y></line>
                    <text x=LEFT - 6.0 y=y + 4.0 text-anchor="end" class="chart-label">{unit.format(Some(top * f))}</text>
                </g>
            }
        })
        .collect_view();
    let lines = chart
        .series
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let d = line_path(&s.values, plot_w, plot_h, top);
            view! { <path d=d class=format!("chart-line series-{i}") transform=format!("translate({LEFT} {TOP})")></path> }
        })
        .collect_view();
    let axis = match (chart.times.first(), chart.times.last()) {
        (Some(first), Some(last)) => Some(view! {
            <text x=LEFT y=HEIGHT - 4.0 class="chart-label">{time_label(period, *first)}</text>
            <text x=WIDTH y=HEIGHT - 4.0 text-anchor="end" class="chart-label">{format!("{} UTC", time_label(period, *last))}</text>
        }),
        _ => None,
    };
    // One invisible column per point: hovering or tapping it shows that point's figures.
    let targets = (0..points)
        .map(|i| {
            view! {
                <rect x=LEFT + i as f64 * slot - slot / 2.0 y=TOP width=slot height=plot_h class="chart-target"
                    on:pointerenter={let read_at = read_at.clone(); move |_| read_at(Some(i))}
                    on:click={let read_at = read_at.clone(); move |_| read_at(Some(i))}></rect>
            }
        })
        .collect_view();
    let step = if points > 1 { plot_w / (points - 1) as f64 } else { 0.0 };
    let marker = {
        let hover = hover.clone();
        move || {
            hover().map(|i| {
                let x = LEFT + i as f64 * step;
                view! { <line x1=x x2=x y1=TOP y2=TOP + plot_h class="chart-marker"></line> }
            })
        }
    };
    let (times, series) = (chart.times.clone(), chart.series.clone());
    let readout = move || {
        let i = hover()?;
        let figures: Vec<String> =
            series.iter().map(|s| format!("{} {}", s.name, unit.format(s.values.get(i).copied().flatten()))).collect();
        Some(format!("{}: {}", time_label(period, *times.get(i)?), figures.join(" · ")))
    };
    let legend = (chart.series.len() > 1).then(|| {
        chart
            .series
            .iter()
            .enumerate()
            .map(|(i, s)| view! { <span class=format!("legend series-{i}")>{s.name.clone()}</span> })
            .collect_view()
    });
    let rows = chart
        .times
        .iter()
        .enumerate()
        .filter(|(i, _)| chart.series.iter().any(|s| s.values.get(*i).copied().flatten().is_some()))
        .map(|(i, at)| {
            view! {
                <tr>
                    <th scope="row">{time_label(period, *at)}</th>
                    {chart.series.iter().map(|s| view! { <td>{unit.format(s.values.get(i).copied().flatten())}</td> }).collect_view()}
                </tr>
            }
        })
        .collect_view();
    let headers = chart.series.iter().map(|s| view! { <th scope="col">{s.name.clone()}</th> }).collect_view();
    let svg = view! {
        <svg viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="img" aria-labelledby=title_id.clone() aria-describedby=format!("chart-{}-summary", chart.key)
            preserveAspectRatio="xMinYMin meet" on:pointerleave={let read_at = read_at.clone(); move |_| read_at(None)}>
            {grid}
            {lines}
            {marker}
            {axis}
            {targets}
        </svg>
    }
    .into_any();
    let table = view! {
        <KeptDetails key=format!("chart-table-{}", chart.key) summary=|| "Data table" class="chart-table">
            <div class="table-wrap">
                <table class="data-table">
                    <thead><tr><th scope="col">"Time (UTC)"</th>{headers}</tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        </KeptDetails>
    }
    .into_any();
    view! {
        <figure class="chart line-chart" data-chart=chart.key.clone()>
            <figcaption>
                <strong id=title_id>{chart.title.clone()}</strong>
                <span class="chart-legend">{legend}</span>
            </figcaption>
            {svg}
            <p class="chart-readout" aria-live="polite">{move || readout().unwrap_or_else(|| idle.to_owned())}</p>
            <p class="visually-hidden" id=format!("chart-{}-summary", chart.key)>{described}</p>
            {table}
        </figure>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::monitoring::{Series, Unit};

    #[test]
    fn the_summary_reads_the_latest_and_highest_of_each_line() {
        let chart = Chart {
            key: "latency".into(),
            title: "Latency".into(),
            unit: Unit::Millis,
            times: vec![0, 60, 120],
            series: vec![Series { name: "p95".into(), values: vec![Some(40.0), Some(12.0), None] }],
        };
        assert_eq!(summary(&chart), "Latency: p95 latest 12.0 ms, highest 40.0 ms");
        assert_eq!(time_label(Period::Hour, 3_600 * 13 + 60 * 5), "13:05");
    }
}
