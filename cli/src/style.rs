//! The colors of the `aludel` command's output.
//!
//! Text is always written with its styles; `anstream` strips them when the
//! stream is not a terminal, when `NO_COLOR` is set, or with `--color
//! never` (and keeps them with `--color always`), so plain text is what a
//! pipe or a test sees.

use anstyle::{AnsiColor, Style};
use std::fmt::Display;

/// A revision id.
pub const ID: Style = AnsiColor::Yellow.on_default();
/// The `(head)` marker.
pub const HEAD: Style = AnsiColor::Green.on_default().bold();
/// The `(current)` marker: what the database is at.
pub const CURRENT: Style = AnsiColor::Cyan.on_default().bold();
/// `(branchpoint)` and `(mergepoint)`.
pub const POINT: Style = AnsiColor::Magenta.on_default();
/// A revision applied, a check that passed.
pub const APPLIED: Style = AnsiColor::Green.on_default();
/// A revision reverted.
pub const REVERTED: Style = AnsiColor::Magenta.on_default();
/// Work that would be done: `check`'s differences, autogenerate's findings.
pub const PENDING: Style = AnsiColor::Yellow.on_default();
/// `<base>` and other quiet words.
pub const DIM: Style = Style::new().dimmed();
/// Errors.
pub const ERROR: Style = AnsiColor::Red.on_default().bold();

/// `text` in `style`.
pub fn paint(style: Style, text: impl Display) -> String {
    format!("{style}{text}{style:#}")
}
