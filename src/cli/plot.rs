//! `fhe-nit plot`: test accuracy per epoch of one or more training runs on one SVG (the
//! paper's Figure 5), read from each run's `metrics.csv`.

use clap::Args;
use nit_nn::files::{read_text_limited, write_atomic};
use nit_nn::model::ModelFile;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The largest metrics.csv read: 1 MiB, over 25,000 epochs of at most 40 bytes a line.
pub const MAX_METRICS_BYTES: u64 = 1 << 20;

#[derive(Args)]
pub struct PlotArgs {
    /// The SVG file to write.
    #[arg(long)]
    pub out: PathBuf,
    /// Run directories written by `train-plain` (each with metrics.csv and model.json).
    #[arg(required = true)]
    pub runs: Vec<PathBuf>,
}

/// One curve: a legend label and (epoch, test accuracy in [0, 1]) points.
pub struct Curve {
    pub label: String,
    pub points: Vec<(f64, f64)>,
}

pub fn run(args: &PlotArgs) -> Result<(), String> {
    let curves = args
        .runs
        .iter()
        .map(|dir| read_curve(dir))
        .collect::<Result<Vec<_>, _>>()?;
    write_atomic(&args.out, svg(&curves).as_bytes()).map_err(|e| e.to_string())
}

/// The legend label of a run: "NN2 fixed".
pub fn run_label(model: &ModelFile) -> String {
    format!("{} {}", model.model.to_string().to_uppercase(), model.arith)
}

/// Reads `dir/metrics.csv` (`epoch,train_loss,test_accuracy` with a header line); the label
/// is "model arith" from `dir/model.json` when present, else the directory name.
pub fn read_curve(dir: &Path) -> Result<Curve, String> {
    let path = dir.join("metrics.csv");
    let text = read_text_limited(&path, MAX_METRICS_BYTES).map_err(|e| e.to_string())?;
    let points = text
        .lines()
        .skip(1)
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let fields: Vec<&str> = line.split(',').collect();
            match (
                fields.first().map(|f| f.parse()),
                fields.get(2).map(|f| f.parse()),
            ) {
                (Some(Ok(epoch)), Some(Ok(accuracy))) => Ok((epoch, accuracy)),
                _ => Err(format!("{}: bad line {line:?}", path.display())),
            }
        })
        .collect::<Result<Vec<(f64, f64)>, String>>()?;
    let label = ModelFile::read(&dir.join("model.json"))
        .map(|m| run_label(&m))
        .unwrap_or_else(|_| {
            dir.file_name().map_or_else(
                || dir.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            )
        });
    Ok(Curve { label, points })
}

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 420.0;
const LEFT: f64 = 60.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 20.0;
const BOTTOM: f64 = 50.0;
const COLOURS: [&str; 6] = [
    "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b",
];

/// A line chart of accuracy (percent) against epoch: per curve a polyline, a dot per epoch and
/// a legend entry with the last accuracy.
/// The y range runs from the lowest accuracy rounded down to 5% up to 100%.
pub fn svg(curves: &[Curve]) -> String {
    let all = curves.iter().flat_map(|c| c.points.iter());
    let max_epoch = all.clone().map(|p| p.0).fold(1.0, f64::max);
    let min_acc = all.map(|p| p.1 * 100.0).fold(100.0, f64::min);
    let y_low = ((min_acc / 5.0).floor() * 5.0).clamp(0.0, 95.0);
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let x = |epoch: f64| LEFT + plot_w * epoch / max_epoch;
    let y = |acc: f64| TOP + plot_h * (1.0 - (acc * 100.0 - y_low) / (100.0 - y_low));
    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(out, r#"<rect width="100%" height="100%" fill="white"/>"#);
    let y_step = if 100.0 - y_low > 20.0 { 10.0 } else { 1.0 };
    let mut tick = y_low;
    while tick <= 100.0 + 1e-9 {
        let py = y(tick / 100.0);
        let _ = writeln!(
            out,
            r##"<line x1="{LEFT}" y1="{py:.1}" x2="{:.1}" y2="{py:.1}" stroke="#ddd"/><text x="{:.1}" y="{:.1}" text-anchor="end">{tick}%</text>"##,
            WIDTH - RIGHT,
            LEFT - 6.0,
            py + 4.0
        );
        tick += y_step;
    }
    let x_step = (max_epoch / 10.0).ceil().max(1.0);
    let mut epoch = 0.0;
    while epoch <= max_epoch + 1e-9 {
        let px = x(epoch);
        let _ = writeln!(
            out,
            r##"<line x1="{px:.1}" y1="{TOP}" x2="{px:.1}" y2="{:.1}" stroke="#eee"/><text x="{px:.1}" y="{:.1}" text-anchor="middle">{epoch}</text>"##,
            HEIGHT - BOTTOM,
            HEIGHT - BOTTOM + 16.0
        );
        epoch += x_step;
    }
    let _ = writeln!(
        out,
        r##"<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="none" stroke="black"/><text x="{:.1}" y="{:.1}" text-anchor="middle">epoch</text><text transform="translate(16 {:.1}) rotate(-90)" text-anchor="middle">test accuracy</text>"##,
        LEFT + plot_w / 2.0,
        HEIGHT - 12.0,
        TOP + plot_h / 2.0
    );
    for (i, curve) in curves.iter().enumerate() {
        let colour = COLOURS[i % COLOURS.len()];
        let points: Vec<String> = curve
            .points
            .iter()
            .map(|&(e, a)| format!("{:.1},{:.1}", x(e), y(a)))
            .collect();
        let _ = writeln!(
            out,
            r#"<polyline fill="none" stroke="{colour}" stroke-width="2" points="{}"/>"#,
            points.join(" ")
        );
        for &(e, a) in &curve.points {
            let _ = writeln!(
                out,
                r#"<circle cx="{:.1}" cy="{:.1}" r="1.8" fill="{colour}"/>"#,
                x(e),
                y(a)
            );
        }
        let ly = HEIGHT - BOTTOM - 16.0 - 18.0 * (curves.len() - 1 - i) as f64;
        let lx = WIDTH - RIGHT - 170.0;
        let last = curve
            .points
            .last()
            .map_or(String::new(), |p| format!(" ({:.2}%)", p.1 * 100.0));
        let _ = writeln!(
            out,
            r#"<line x1="{lx}" y1="{ly}" x2="{:.1}" y2="{ly}" stroke="{colour}" stroke-width="2"/><text x="{:.1}" y="{:.1}">{}{last}</text>"#,
            lx + 20.0,
            lx + 26.0,
            ly + 4.0,
            escape(&curve.label)
        );
    }
    out.push_str("</svg>\n");
    out
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
