//! Progress of `train` on stderr: one bar for the steps (ETA from the steps done) and one for
//! the part of the step that runs (a layer's forward pass, its weight steps, its backward
//! pass, its update; ETA from the part's units done). When stderr is not a terminal the bars
//! stay hidden and every finished part prints one line with its time instead, so a log shows
//! where a step spends its time without control characters.

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use nit_nn::model::{StepObserver, StepPart};
use std::io::IsTerminal as _;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// What a part is called in the progress (layers counted from 1, as in the README).
fn describe(part: StepPart) -> String {
    match part {
        StepPart::Forward(l) => format!("layer {} forward", l + 1),
        StepPart::OutputDelta => "output delta".into(),
        StepPart::WeightSteps(l) => format!("layer {} weight steps", l + 1),
        StepPart::HiddenDelta(l) => format!("layer {} backward", l + 1),
        StepPart::Update(l) => format!("layer {} update", l + 1),
    }
}

/// The running part: its units, how many are done, and when it began.
struct Part {
    name: String,
    units: usize,
    started: Instant,
}

/// The bars of a `train` run (see the module doc).
pub struct TrainProgress {
    _bars: MultiProgress,
    steps: ProgressBar,
    part: ProgressBar,
    /// Print a line per finished part (stderr is not a terminal).
    lines: bool,
    running: Mutex<Option<Part>>,
    done: AtomicUsize,
}

impl TrainProgress {
    /// Bars for a run to `total` steps of which `done` are done.
    pub fn new(total: usize, done: usize) -> Self {
        let lines = !std::io::stderr().is_terminal();
        let bars = MultiProgress::new();
        let style = |template| {
            ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar())
        };
        let steps = bars.add(ProgressBar::new(total as u64).with_style(style(
            "{spinner} train step {pos}/{len} [{bar:30}] {elapsed_precise} ETA {eta} {msg}",
        )));
        steps.set_position(done as u64);
        steps.enable_steady_tick(Duration::from_millis(500));
        let part = bars.add(ProgressBar::new(0).with_style(style(
            "  {msg:24} [{bar:30}] {pos}/{len} {elapsed} ETA {eta}",
        )));
        Self {
            _bars: bars,
            steps,
            part,
            lines,
            running: Mutex::new(None),
            done: AtomicUsize::new(0),
        }
    }

    /// Step `step` begins on batch `batch`.
    pub fn begin_step(&self, step: usize, batch: usize) {
        self.steps
            .set_message(format!("step {step} on batch {batch}"));
    }

    /// A step is done: `line` is printed and the step bar advances.
    pub fn end_step(&self, line: String) {
        if self.lines {
            eprintln!("{line}");
        } else {
            self.steps.println(line);
        }
        self.steps.inc(1);
    }

    pub fn finish(&self) {
        self.part.finish_and_clear();
        self.steps.finish_and_clear();
    }
}

impl StepObserver for TrainProgress {
    fn start(&self, part: StepPart, units: usize) {
        let name = describe(part);
        self.part.reset();
        self.part.set_length(units as u64);
        self.part.set_message(name.clone());
        self.done.store(0, Ordering::SeqCst);
        if let Ok(mut running) = self.running.lock() {
            *running = Some(Part {
                name,
                units,
                started: Instant::now(),
            });
        }
    }

    fn unit_done(&self, _: StepPart) {
        self.part.inc(1);
        let done = self.done.fetch_add(1, Ordering::SeqCst) + 1;
        if !self.lines {
            return;
        }
        if let Ok(running) = self.running.lock() {
            if let Some(part) = running.as_ref().filter(|p| p.units == done) {
                eprintln!(
                    "  {}: {} units in {:.1} s",
                    part.name,
                    part.units,
                    part.started.elapsed().as_secs_f64()
                );
            }
        }
    }
}
