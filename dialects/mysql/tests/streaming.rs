//! `for_each` reads a million rows from the server in flat memory, measured
//! by a counting global allocator, while buffering rows grows with their
//! number. The allocator sees the whole process heap, the driver's packet
//! buffers included.

#![allow(unsafe_code)]

mod common;

use aludel_core::engine::get;
use aludel_core::{blocking, text, TextClause};
use aludel_mysql as _;
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

fn start() -> usize {
    let now = CURRENT.load(Ordering::SeqCst);
    PEAK.store(now, Ordering::SeqCst);
    now
}

fn peak_growth(base: usize) -> usize {
    PEAK.load(Ordering::SeqCst).saturating_sub(base)
}

const MIB: usize = 1024 * 1024;

/// 10^`joins` generated rows (id from 1), cut to the first `n`: a cross
/// join of a ten-row table with itself.
fn rows(digits: &str, joins: u32, n: i64) -> TextClause {
    let aliases: Vec<String> = (0..joins).map(|i| format!("d{i}")).collect();
    let id = aliases
        .iter()
        .enumerate()
        .map(|(i, a)| format!("{a}.d * {}", 10i64.pow(i as u32)))
        .collect::<Vec<_>>()
        .join(" + ");
    let from = aliases
        .iter()
        .map(|a| format!("{digits} {a}"))
        .collect::<Vec<_>>()
        .join(", ");
    text(&format!(
        "SELECT {id} + 1 AS id, concat('row-', d0.d + 10 * d1.d + 100 * d2.d) AS label, \
         ({id} + 1) * 5e-1 AS half FROM {from} WHERE {id} < :n"
    ))
    .bind("n", n)
}

#[derive(Debug, Default, PartialEq)]
struct Tally {
    rows: i64,
    ids: i64,
    label_bytes: i64,
    halves: f64,
}

fn expected(n: i64) -> Tally {
    let mut t = Tally::default();
    for i in 0..n {
        t.rows += 1;
        t.ids += i + 1;
        t.label_bytes += format!("row-{}", i % 1000).len() as i64;
        t.halves += (i + 1) as f64 * 0.5;
    }
    t
}

/// The measurements share one process-wide heap, so they run one after
/// the other inside this single test.
#[test]
fn streaming_keeps_memory_flat_and_buffering_does_not() {
    let Some(url) = common::url() else { return };
    const N: i64 = 1_000_000;
    const SMALL: i64 = 100_000;
    const BOUND: usize = 2 * MIB;
    let want = expected(N);
    let digits = common::name("digits");

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let engine = common::engine(&url);
    let (tally, growth) = rt.block_on(async {
        let mut conn = engine.connect().await.unwrap();
        conn.execute(text(&format!("CREATE TABLE {digits} (d INTEGER)")))
            .await
            .unwrap();
        conn.execute(text(&format!(
            "INSERT INTO {digits} VALUES (0), (1), (2), (3), (4), (5), (6), (7), (8), (9)"
        )))
        .await
        .unwrap();
        // Warm up: the statement is prepared and cached before measuring.
        conn.execute(rows(&digits, 6, 3)).await.unwrap();
        let mut tally = Tally::default();
        let base = start();
        conn.for_each(rows(&digits, 6, N), |row| {
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
    drop(engine);
    drop(rt);

    // The blocking facade streams the same way.
    let engine = blocking::create_engine(&url).unwrap();
    let mut conn = engine.connect().unwrap();
    conn.execute(rows(&digits, 6, 3)).unwrap();
    let mut tally = Tally::default();
    let base = start();
    conn.for_each(rows(&digits, 6, N), |row| {
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
    let buffered = conn.execute(rows(&digits, 6, SMALL)).unwrap();
    let growth = peak_growth(base);
    assert_eq!(buffered.len(), SMALL as usize);
    assert!(
        growth > 4 * BOUND,
        "buffering {SMALL} rows grew the heap by only {growth} bytes"
    );
    drop(buffered);

    // An error from the callback stops the rows reaching it, comes back,
    // and leaves the connection usable.
    let mut calls = 0;
    let err = conn
        .for_each(rows(&digits, 6, 10_000), |_| {
            calls += 1;
            Err(aludel_core::Error::InvalidStatement("enough".into()))
        })
        .unwrap_err();
    assert_eq!(err, aludel_core::Error::InvalidStatement("enough".into()));
    assert_eq!(calls, 1);
    let (n,): (i64,) = conn
        .fetch_one(text(&format!("SELECT count(*) FROM {digits}")))
        .unwrap();
    assert_eq!(n, 10);
    conn.execute(text(&format!("DROP TABLE {digits}"))).unwrap();
}
