//! The weekly AR report's charts as PNG: the aging by bucket over the last 12 weeks (stacked
//! bars), the countback DSO over the same weeks, and the 10 accounts with the most past due
//! (horizontal bars). The figures come from core (`WeeklyReport::trend`, `top_overdue`); this
//! only draws them. Text is drawn with the embedded DejaVu Sans (`bot/assets`), so no system
//! font is needed at run time.

use std::sync::OnceLock;

use arbot_core::dates::short_date;
use arbot_core::money::{Currency, Money};
use arbot_core::weekly::{TOP_OVERDUE, WeeklyReport};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{FontStyle, register_font};

/// Every chart's size in pixels.
pub const WIDTH: u32 = 1200;
pub const HEIGHT: u32 = 600;

/// DejaVu Sans 2.37 (licence beside it in bot/assets).
static FONT: &[u8] = include_bytes!("../../assets/DejaVuSans.ttf");
const SANS: &str = "sans-serif";

/// The current bucket, then the past-due buckets from the youngest to the oldest.
const CURRENT: RGBColor = RGBColor(78, 140, 196);
const PAST_DUE: [RGBColor; 5] = [
    RGBColor(242, 200, 60),
    RGBColor(236, 140, 50),
    RGBColor(218, 82, 56),
    RGBColor(160, 30, 40),
    RGBColor(90, 16, 30),
];
const RETAINAGE: RGBColor = RGBColor(175, 175, 175);
const DISPUTED: RGBColor = RGBColor(140, 110, 180);
const GRID: RGBColor = RGBColor(225, 225, 225);
const INK: RGBColor = RGBColor(40, 40, 40);

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ChartError(String);

fn err(e: impl std::fmt::Display) -> ChartError {
    ChartError(e.to_string())
}

/// The charts, named as they are attached: (file name, PNG).
pub fn charts(r: &WeeklyReport) -> Result<Vec<(String, Vec<u8>)>, ChartError> {
    Ok(vec![
        (format!("weekly-ar-{}-aging.png", r.day), png(|root| aging_chart(root, r))?),
        (format!("weekly-ar-{}-dso.png", r.day), png(|root| dso_chart(root, r))?),
        (format!("weekly-ar-{}-top-overdue.png", r.day), png(|root| top_overdue_chart(root, r))?),
    ])
}

type Root<'a> = DrawingArea<BitMapBackend<'a>, plotters::coord::Shift>;

/// Draws onto a white RGB canvas and encodes it as PNG.
fn png(draw: impl FnOnce(&Root<'_>) -> Result<(), ChartError>) -> Result<Vec<u8>, ChartError> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    if !*REGISTERED.get_or_init(|| register_font(SANS, FontStyle::Normal, FONT).is_ok()) {
        return Err(ChartError("the embedded font could not be read".to_string()));
    }
    let mut rgb = vec![0u8; (WIDTH * HEIGHT * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        draw(&root)?;
        root.present().map_err(err)?;
    }
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, WIDTH, HEIGHT);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(err)?;
    writer.write_image_data(&rgb).map_err(err)?;
    writer.finish().map_err(err)?;
    Ok(out)
}

/// An axis figure: `$0`, `$250k`, `$1.5M` (`CA$`, or the code after it, as `Money` writes them).
fn axis_money(minor: i64, currency: Currency) -> String {
    let units = minor / currency.scale();
    let sign = if units < 0 { "-" } else { "" };
    let units = units.unsigned_abs();
    let body = if units >= 1_000_000 {
        let tenths = units / 100_000;
        if tenths.is_multiple_of(10) {
            format!("{}M", tenths / 10)
        } else {
            format!("{}.{}M", tenths / 10, tenths % 10)
        }
    } else if units >= 1_000 {
        let tenths = units / 100;
        if tenths.is_multiple_of(10) {
            format!("{}k", tenths / 10)
        } else {
            format!("{}.{}k", tenths / 10, tenths % 10)
        }
    } else {
        units.to_string()
    };
    match currency.symbol() {
        Some(sym) => format!("{sign}{sym}{body}"),
        None => format!("{sign}{body} {}", currency.code()),
    }
}

/// A round top for a money axis, a little above the largest figure so labels fit over the bars.
fn money_top(max: i64, currency: Currency) -> i64 {
    let step = currency.scale() * 10_000;
    ((max + max / 8) / step + 1) * step
}

fn past_due_color(i: usize) -> RGBColor {
    PAST_DUE[i.min(PAST_DUE.len() - 1)]
}

fn text(size: u32) -> TextStyle<'static> {
    TextStyle::from((SANS, size).into_font()).color(&INK)
}

/// A legend in a column at (x, y): a swatch and a label per line.
fn legend(root: &Root<'_>, x: i32, y: i32, items: &[(String, RGBColor)]) -> Result<(), ChartError> {
    root.draw(&Text::new("Legend", (x, y), text(16))).map_err(err)?;
    for (i, (label, color)) in items.iter().enumerate() {
        let top = y + 28 + 26 * i as i32;
        root.draw(&Rectangle::new([(x, top), (x + 16, top + 16)], color.filled())).map_err(err)?;
        root.draw(&Text::new(label.clone(), (x + 24, top + 1), text(15))).map_err(err)?;
    }
    Ok(())
}

/// "Nov 23", with a star when the day's snapshot was rebuilt from the ledger.
fn week_label(day: chrono::NaiveDate, rebuilt: bool) -> String {
    if rebuilt { format!("{}*", short_date(day)) } else { short_date(day) }
}

fn footnote(root: &Root<'_>, line: &str) -> Result<(), ChartError> {
    root.draw(&Text::new(line.to_string(), (24, HEIGHT as i32 - 24), text(14))).map_err(err)
}

fn rebuilt_note(r: &WeeklyReport) -> Option<String> {
    let n = r.trend.iter().filter(|w| w.aging.rebuilt).count();
    (n > 0).then(|| {
        format!("* no snapshot was taken that day: rebuilt from the ledger afterwards ({n} of {} weeks)", r.trend.len())
    })
}

/// The last segment index of a segmented axis of `n` (at least 1) categories.
fn last(n: usize) -> u32 {
    n.max(1) as u32 - 1
}

fn aging_chart(root: &Root<'_>, r: &WeeklyReport) -> Result<(), ChartError> {
    let weeks = &r.trend;
    let n = weeks.len();
    let currency = r.currency;
    let retainage = weeks.iter().any(|w| w.aging.retainage() > 0);
    let top = money_top(weeks.iter().map(|w| w.aging.total).max().unwrap_or(0), currency);
    let (from, to) = match (weeks.first(), weeks.last()) {
        (Some(a), Some(b)) => (short_date(a.aging.day), short_date(b.aging.day)),
        _ => (short_date(r.day), short_date(r.day)),
    };
    let title = format!("Aging by bucket, {n} weeks ({from} to {to})");
    let mut chart = ChartBuilder::on(root)
        .caption(title, (SANS, 26).into_font().color(&INK))
        .margin(20)
        .margin_right(230)
        .margin_bottom(36)
        .x_label_area_size(40)
        .y_label_area_size(80)
        .build_cartesian_2d((0u32..last(n)).into_segmented(), 0i64..top)
        .map_err(err)?;
    let label = |v: &SegmentValue<u32>| match v {
        SegmentValue::CenterOf(i) => {
            weeks.get(*i as usize).map(|w| week_label(w.aging.day, w.aging.rebuilt)).unwrap_or_default()
        }
        _ => String::new(),
    };
    let money = |v: &i64| axis_money(*v, currency);
    chart
        .configure_mesh()
        .disable_x_mesh()
        .light_line_style(WHITE)
        .bold_line_style(GRID)
        .x_labels(n)
        .x_label_formatter(&label)
        .y_labels(8)
        .y_label_formatter(&money)
        .y_desc("Open balance")
        .label_style(text(14))
        .axis_desc_style(text(15))
        .draw()
        .map_err(err)?;
    // Stacked from the bottom: current, then each past-due bucket, retainage on top.
    let mut base = vec![0i64; n];
    let layers = r.labels.len() + usize::from(retainage);
    for layer in 0..layers {
        let color = match layer {
            0 => CURRENT,
            l if l < r.labels.len() => past_due_color(l - 1),
            _ => RETAINAGE,
        };
        let bars: Vec<Rectangle<(SegmentValue<u32>, i64)>> = weeks
            .iter()
            .enumerate()
            .filter_map(|(i, w)| {
                let v = if layer < r.labels.len() {
                    w.aging.buckets.get(layer).copied().unwrap_or(0)
                } else {
                    w.aging.retainage()
                };
                if v <= 0 {
                    return None;
                }
                let (y0, y1) = (base[i], base[i] + v);
                base[i] = y1;
                let x = i as u32;
                let mut bar =
                    Rectangle::new([(SegmentValue::Exact(x), y0), (SegmentValue::Exact(x + 1), y1)], color.filled());
                bar.set_margin(0, 0, 14, 14);
                Some(bar)
            })
            .collect();
        chart.draw_series(bars).map_err(err)?;
    }
    // Each week's open balance over its bar.
    let over = text(13).pos(Pos::new(HPos::Center, VPos::Bottom));
    chart
        .draw_series(weeks.iter().enumerate().map(|(i, w)| {
            EmptyElement::at((SegmentValue::CenterOf(i as u32), w.aging.total))
                + Text::new(Money::new(w.aging.total, currency).compact(), (0, -4), over.clone())
        }))
        .map_err(err)?;
    let mut items: Vec<(String, RGBColor)> = r
        .labels
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let name = if i == 0 { l.clone() } else { format!("{l} days past due") };
            (name, if i == 0 { CURRENT } else { past_due_color(i - 1) })
        })
        .collect();
    if retainage {
        items.push(("retainage held".to_string(), RETAINAGE));
    }
    items.reverse(); // top to bottom, as the bars stack
    legend(root, WIDTH as i32 - 220, 90, &items)?;
    if let Some(note) = rebuilt_note(r) {
        footnote(root, &note)?;
    }
    Ok(())
}

fn dso_chart(root: &Root<'_>, r: &WeeklyReport) -> Result<(), ChartError> {
    let weeks = &r.trend;
    let n = weeks.len();
    let max = weeks.iter().filter_map(|w| w.dso).fold(0.0f64, f64::max);
    let top = ((max * 1.2 / 10.0).floor() + 1.0) * 10.0;
    let title = match weeks.last().and_then(|w| w.dso) {
        Some(d) => format!("Countback DSO, {n} weeks to {} ({d:.0} days)", short_date(r.day)),
        None => format!("Countback DSO, {n} weeks to {}", short_date(r.day)),
    };
    let mut chart = ChartBuilder::on(root)
        .caption(title, (SANS, 26).into_font().color(&INK))
        .margin(20)
        .margin_right(40)
        .margin_bottom(36)
        .x_label_area_size(40)
        .y_label_area_size(80)
        .build_cartesian_2d((0u32..last(n)).into_segmented(), 0f64..top)
        .map_err(err)?;
    let label = |v: &SegmentValue<u32>| match v {
        SegmentValue::CenterOf(i) => {
            weeks.get(*i as usize).map(|w| week_label(w.aging.day, w.aging.rebuilt)).unwrap_or_default()
        }
        _ => String::new(),
    };
    let days = |v: &f64| format!("{v:.0}");
    chart
        .configure_mesh()
        .disable_x_mesh()
        .light_line_style(WHITE)
        .bold_line_style(GRID)
        .x_labels(n)
        .x_label_formatter(&label)
        .y_labels(8)
        .y_label_formatter(&days)
        .y_desc("Days")
        .label_style(text(14))
        .axis_desc_style(text(15))
        .draw()
        .map_err(err)?;
    // A line through each run of weeks that have a DSO (none without sales to count back).
    let line = ShapeStyle::from(&CURRENT).stroke_width(3);
    let mut run: Vec<(SegmentValue<u32>, f64)> = Vec::new();
    for (i, w) in weeks.iter().enumerate() {
        match w.dso {
            Some(d) => run.push((SegmentValue::CenterOf(i as u32), d)),
            None => {
                chart.draw_series(LineSeries::new(std::mem::take(&mut run), line)).map_err(err)?;
            }
        }
    }
    chart.draw_series(LineSeries::new(run, line)).map_err(err)?;
    let over = text(14).pos(Pos::new(HPos::Center, VPos::Bottom));
    for (i, w) in weeks.iter().enumerate() {
        let Some(d) = w.dso else { continue };
        let at = (SegmentValue::CenterOf(i as u32), d);
        let point = EmptyElement::at(at)
            + Circle::new((0, 0), 5, CURRENT.filled())
            + Text::new(format!("{d:.0}"), (0, -10), over.clone());
        chart.draw_series(std::iter::once(point)).map_err(err)?;
    }
    let mut notes = vec!["Days of sales in the open balance, counted back month by month (as /ar kpi).".to_string()];
    if weeks.iter().any(|w| w.dso.is_none()) {
        notes.push("No point: no sales to count back over.".to_string());
    }
    if let Some(note) = rebuilt_note(r) {
        notes.push(note);
    }
    footnote(root, &notes.join(" "))?;
    Ok(())
}

/// An account name cut to fit the label area.
fn fit(name: &str, chars: usize) -> String {
    if name.chars().count() <= chars {
        name.to_string()
    } else {
        format!("{}…", name.chars().take(chars - 1).collect::<String>())
    }
}

fn top_overdue_chart(root: &Root<'_>, r: &WeeklyReport) -> Result<(), ChartError> {
    let rows = r.top_overdue(TOP_OVERDUE);
    let currency = r.currency;
    let title = format!("Top {} accounts by money past due, {}", rows.len().max(1), short_date(r.day));
    if rows.is_empty() {
        root.draw(&Text::new(format!("Nothing past due on {}", short_date(r.day)), (40, 60), text(26))).map_err(err)?;
        return Ok(());
    }
    let n = rows.len();
    let top = money_top(rows.iter().map(|x| x.overdue).max().unwrap_or(0) * 5 / 4, currency);
    let mut chart = ChartBuilder::on(root)
        .caption(title, (SANS, 26).into_font().color(&INK))
        .margin(20)
        .margin_right(40)
        .margin_bottom(36)
        .x_label_area_size(50)
        .y_label_area_size(300)
        .build_cartesian_2d(0i64..top, (0u32..last(n)).into_segmented())
        .map_err(err)?;
    // The largest at the top: row i is drawn in segment n-1-i.
    let at = |i: usize| (n - 1 - i) as u32;
    let label = |v: &SegmentValue<u32>| match v {
        SegmentValue::CenterOf(s) => {
            let i = n.saturating_sub(1).saturating_sub(*s as usize);
            rows.get(i).map(|x| fit(&x.label, 34)).unwrap_or_default()
        }
        _ => String::new(),
    };
    let money = |v: &i64| axis_money(*v, currency);
    chart
        .configure_mesh()
        .disable_y_mesh()
        .light_line_style(WHITE)
        .bold_line_style(GRID)
        .y_labels(n)
        .y_label_formatter(&label)
        .x_labels(8)
        .x_label_formatter(&money)
        .x_desc("Past due")
        .label_style(text(15))
        .axis_desc_style(text(15))
        .draw()
        .map_err(err)?;
    let bar = |i: usize, x0: i64, x1: i64, color: RGBColor| {
        let s = at(i);
        let mut b = Rectangle::new([(x0, SegmentValue::Exact(s)), (x1, SegmentValue::Exact(s + 1))], color.filled());
        b.set_margin(6, 6, 0, 0);
        b
    };
    chart
        .draw_series(
            rows.iter()
                .enumerate()
                .filter(|(_, x)| x.collectible_overdue() > 0)
                .map(|(i, x)| bar(i, 0, x.collectible_overdue(), PAST_DUE[2])),
        )
        .map_err(err)?;
    chart
        .draw_series(
            rows.iter()
                .enumerate()
                .filter(|(_, x)| x.disputed_overdue > 0)
                .map(|(i, x)| bar(i, x.collectible_overdue(), x.overdue, DISPUTED)),
        )
        .map_err(err)?;
    let after = text(14).pos(Pos::new(HPos::Left, VPos::Center));
    chart
        .draw_series(rows.iter().enumerate().map(|(i, x)| {
            let mut what = Money::new(x.overdue, currency).compact();
            if x.disputed_overdue > 0 && x.collectible_overdue() == 0 {
                what.push_str(" (all in dispute)");
            } else if x.disputed_overdue > 0 {
                what.push_str(&format!(" ({} in dispute)", Money::new(x.disputed_overdue, currency).compact()));
            }
            what.push_str(&format!(" · {} days", x.oldest_days));
            Text::new(format!("  {what}"), (x.overdue, SegmentValue::CenterOf(at(i))), after.clone())
        }))
        .map_err(err)?;
    let mut items = vec![("past due, not in dispute".to_string(), PAST_DUE[2])];
    if rows.iter().any(|x| x.disputed_overdue > 0) {
        items.push(("past due, in dispute".to_string(), DISPUTED));
    }
    legend(root, WIDTH as i32 - 280, HEIGHT as i32 - 230, &items)?;
    footnote(root, "The figure after each bar: past due, and the days its oldest invoice is past due.")?;
    Ok(())
}

#[cfg(test)]
#[allow(clippy::inconsistent_digit_grouping, clippy::unwrap_used)] // amounts in cents written as dollars_cents
mod tests {
    use super::*;

    #[test]
    fn axis_figures_are_short_dollars() {
        let usd = Currency::USD;
        assert_eq!(axis_money(0, usd), "$0");
        assert_eq!(axis_money(500_00, usd), "$500");
        assert_eq!(axis_money(200_000_00, usd), "$200k");
        assert_eq!(axis_money(12_500_00, usd), "$12.5k");
        assert_eq!(axis_money(1_500_000_00, usd), "$1.5M");
        assert_eq!(axis_money(1_000_000_00, usd), "$1M");
        let cad = Currency::parse("CAD").unwrap();
        assert_eq!(axis_money(40_000_00, cad), "CA$40k");
        let chf = Currency::parse("CHF").unwrap();
        assert_eq!(axis_money(40_000_00, chf), "40k CHF");
    }

    #[test]
    fn a_money_axis_tops_out_an_eighth_above_the_largest_bar_on_a_multiple_of_10k() {
        let usd = Currency::USD;
        assert_eq!(money_top(984_976_50, usd), 1_110_000_00); // a multiple of $10k over $984,976.50 and an eighth
        assert_eq!(money_top(0, usd), 10_000_00);
        assert!(money_top(82_000_00, usd) > 82_000_00 * 9 / 8);
    }
}
