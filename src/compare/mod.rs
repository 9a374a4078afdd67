//! Side-by-side comparison, engine side: one prompt to N lanes (models, parameter sets or
//! protocols) at once on the workbench's shared HTTP client, per-lane metrics and marks,
//! follow-up rounds with each lane's own history, reports in Markdown and JSON, and the
//! store glue. No terminal here: the headless `compare` command and the TUI both use it.

pub mod metrics;
pub mod record;
pub mod report;
pub mod run;
pub mod spec;

pub use metrics::{LaneMetrics, LaneStatus, Marks, marks};
pub use record::{CompareRecord, load_report, new_lanes, save_verdict};
pub use report::{LaneAnswer, Report, ReportLane, Round, VerdictReport};
pub use run::{LaneOutcome, LaneUpdate, Session, run_all, run_lane};
pub use spec::{
    LanePlan, LaneSpec, MAX_LANES, check_count, expand, letter, parse_param, parse_protocols,
};
