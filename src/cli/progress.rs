//! Progress of `train` on stderr: one bar for the steps (ETA from the steps done) and one for
//! the part of the step that runs (a layer's forward pass, its weight steps, its backward
//! pass, its update; ETA from the part's units done). When stderr is not a terminal the bars
//! stay hidden and every finished part prints one line with its time instead, so a log shows
//! where a step spends its time without control characters.

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use nit_nn::model::{StepObserver, StepPart};
use std::io::{IsTerminal as _, Write};
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
    /// Where a line per finished part and step goes while the bars are hidden (stderr is not
    /// a terminal); None: the bars show.
    lines: Option<Mutex<Box<dyn Write + Send>>>,
    running: Mutex<Option<Part>>,
    done: AtomicUsize,
}

impl TrainProgress {
    /// Bars for a run to `total` steps of which `done` are done: on stderr when it is a
    /// terminal, else lines on stderr.
    pub fn new(total: usize, done: usize) -> Self {
        let lines = (!std::io::stderr().is_terminal())
            .then(|| Box::new(std::io::stderr()) as Box<dyn Write + Send>);
        Self::with_lines(total, done, lines)
    }

    /// Bars on stderr (`lines` None), or hidden bars and lines to `lines`.
    fn with_lines(total: usize, done: usize, lines: Option<Box<dyn Write + Send>>) -> Self {
        let bars = match lines {
            Some(_) => MultiProgress::with_draw_target(ProgressDrawTarget::hidden()),
            None => MultiProgress::new(),
        };
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
            lines: lines.map(Mutex::new),
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
        if self.lines.is_some() {
            self.line(&line);
        } else {
            self.steps.println(line);
        }
        self.steps.inc(1);
    }

    /// Writes `line` to the lines' sink (a failed write of progress is not an error of the
    /// run).
    fn line(&self, line: &str) {
        if let Some(Ok(mut sink)) = self.lines.as_ref().map(Mutex::lock) {
            let _ = writeln!(sink, "{line}");
        }
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
        if self.lines.is_none() {
            return;
        }
        let finished = self.running.lock().ok().and_then(|running| {
            running.as_ref().filter(|p| p.units == done).map(|part| {
                format!(
                    "  {}: {} units in {:.1} s",
                    part.name,
                    part.units,
                    part.started.elapsed().as_secs_f64()
                )
            })
        });
        if let Some(line) = finished {
            self.line(&line);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    /// A sink the test reads back.
    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// Without a terminal: one plain line per finished part and per step, in order, and no
    /// control characters.
    #[test]
    fn without_a_terminal_each_part_and_step_is_one_plain_line() {
        let sink = Shared::default();
        let progress = TrainProgress::with_lines(2, 0, Some(Box::new(sink.clone())));
        progress.begin_step(1, 0);
        progress.start(StepPart::Forward(2), 3);
        for _ in 0..3 {
            progress.unit_done(StepPart::Forward(2));
        }
        progress.start(StepPart::Update(2), 2);
        progress.unit_done(StepPart::Update(2));
        progress.unit_done(StepPart::Update(2));
        progress.end_step("step 1: done".into());
        progress.finish();
        let text = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "{text}");
        assert!(
            lines[0].starts_with("  layer 3 forward: 3 units in "),
            "{text}"
        );
        assert!(
            lines[1].starts_with("  layer 3 update: 2 units in "),
            "{text}"
        );
        assert_eq!(lines[2], "step 1: done");
        assert!(!text.contains(['\x1b', '\r']), "{text:?}");
    }
}
