//! `for_each` reads a million rows in flat memory, measured by a counting
//! global allocator, while buffering the same rows grows with their number.
//!
//! The allocator sees the Rust heap (every `Value`, `String` and `Row` the
//! engine makes); SQLite's own pages come from its allocator and are bounded
//! by its page cache whatever the number of rows.

#![allow(unsafe_code)]

use aludel_core::engine::get;
use aludel_core::{blocking, create_engine, text, TextClause};
use aludel_sqlite as _;
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded unchanged to the system allocator; the
// counters are only bookkeeping.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc(layout);
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc_zeroed(layout);
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout);
        CURRENT.fetch_sub(layout.size(), Ordering::SeqCst);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = System.realloc(ptr, layout, new_size);
        if !p.is_null() {
            CURRENT.fetch_sub(layout.size(), Ordering::SeqCst);
            grew(new_size);
        }
        p
    }
}

fn grew(bytes: usize) {
    let now = CURRENT.fetch_add(bytes, Ordering::SeqCst) + bytes;
    PEAK.fetch_max(now, Ordering::SeqCst);
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Starts a measurement: the peak is reset to what is allocated now.
fn start() -> usize {
    let now = CURRENT.load(Ordering::SeqCst);
    PEAK.store(now, Ordering::SeqCst);
    now
}

/// How far the heap rose above `base` since `start`.
fn peak_growth(base: usize) -> usize {
    PEAK.load(Ordering::SeqCst).saturating_sub(base)
}

const MIB: usize = 1024 * 1024;

/// `n` generated rows of an integer, a short string and a float.
fn rows(n: i64) -> TextClause {
    text(
        "WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < :n) \
         SELECT i AS id, 'row-' || (i % 1000) AS label, i * 0.5 AS half FROM seq",
    )
    .bind("n", n)
}

#[derive(Default, Debug, PartialEq)]
struct Tally {
    rows: i64,
    ids: i64,
    label_bytes: i64,
    halves: f64,
}

fn expected(n: i64) -> Tally {
    let label_bytes: i64 = (1..=n)
        .map(|i| format!("row-{}", i % 1000).len() as i64)
        .sum();
    Tally {
        rows: n,
        ids: n * (n + 1) / 2,
        label_bytes,
        halves: (n * (n + 1)) as f64 / 4.0,
    }
}

/// The tests in this file measure one process-wide heap, so they run one
/// after the other inside this single test.
#[test]
fn streaming_keeps_memory_flat_and_buffering_does_not() {
    const N: i64 = 1_000_000;
    const SMALL: i64 = 100_000;
    const BOUND: usize = 2 * MIB;
    let want = expected(N);

    // The async API.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let engine = create_engine("sqlite://").unwrap();
    let (tally, growth) = rt.block_on(async {
        let mut conn = engine.connect().await.unwrap();
        // Warm up: the statement is prepared and cached before measuring.
        conn.execute(rows(3)).await.unwrap();
        let mut tally = Tally::default();
        let base = start();
        conn.for_each(rows(N), |row| {
            tally.rows += 1;
            tally.ids += get::<i64>(row, 0)?;
            tally.label_bytes += get::<String>(row, "label")?.len() as i64;
            tally.halves += get::<f64>(row, 2)?;
            Ok(())
        })
        .await
        .unwrap();
        (tally, peak_growth(base))
    });
    assert_eq!(tally, want);
    assert!(
        growth < BOUND,
        "for_each over {N} rows grew the heap by {growth} bytes"
    );

    // The blocking facade streams the same way.
    let engine = blocking::create_engine("sqlite://").unwrap();
    let mut conn = engine.connect().unwrap();
    conn.execute(rows(3)).unwrap();
    let mut tally = Tally::default();
    let base = start();
    conn.for_each(rows(N), |row| {
        tally.rows += 1;
        tally.ids += get::<i64>(row, "id")?;
        tally.label_bytes += get::<String>(row, 1)?.len() as i64;
        tally.halves += get::<f64>(row, "half")?;
        Ok(())
    })
    .unwrap();
    let growth = peak_growth(base);
    assert_eq!(tally, want);
    assert!(
        growth < BOUND,
        "blocking for_each over {N} rows grew the heap by {growth} bytes"
    );

    // Buffering a tenth of the rows with execute() needs many times the bound.
    let base = start();
    let buffered = conn.execute(rows(SMALL)).unwrap();
    let growth = peak_growth(base);
    assert_eq!(buffered.len(), SMALL as usize);
    let ids: i64 = buffered
        .rows()
        .iter()
        .map(|r| r.get::<i64>(0).unwrap())
        .sum();
    assert_eq!(ids, SMALL * (SMALL + 1) / 2);
    assert!(
        growth > 4 * BOUND,
        "buffering {SMALL} rows grew the heap by only {growth} bytes"
    );
    drop(buffered);

    // So does decoding them all with fetch_all.
    let base = start();
    let decoded: Vec<(i64, String, f64)> = conn.fetch_all(rows(SMALL)).unwrap();
    let growth = peak_growth(base);
    assert_eq!(decoded.len(), SMALL as usize);
    assert_eq!(
        decoded[SMALL as usize - 1],
        (SMALL, "row-0".into(), 50_000.0)
    );
    assert!(
        growth > 2 * BOUND,
        "fetch_all of {SMALL} rows grew the heap by only {growth} bytes"
    );
}
