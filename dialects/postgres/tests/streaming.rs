//! `for_each` reads many rows from PostgreSQL in flat memory, measured by a
//! counting global allocator, while buffering the same rows grows with
//! their number. The allocator sees the whole Rust heap, tokio-postgres's
//! socket buffers and the rows it hands over included.

#![allow(unsafe_code)]

mod common;

use aludel_core::engine::get;
use aludel_core::{blocking, text, Error, TextClause};
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
        "SELECT i AS id, 'row-' || (i % 1000) AS label, i * 0.5::float8 AS half \
         FROM generate_series(1::bigint, :n) AS s(i)",
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

/// The measurements share one process-wide heap, so they run one after
/// the other inside this single test.
#[test]
fn streaming_keeps_memory_flat_and_buffering_does_not() {
    let Some(url) = common::url() else {
        return;
    };
    const N: i64 = 300_000;
    const SMALL: i64 = 100_000;
    const BOUND: usize = 2 * MIB;
    let want = expected(N);

    // The async API.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let engine = aludel_core::create_engine(&url).unwrap();
    let (tally, growth, affected) = rt.block_on(async {
        let mut conn = engine.connect().await.unwrap();
        // Warm up: the statement is prepared and cached before measuring.
        conn.execute(rows(3)).await.unwrap();
        let mut tally = Tally::default();
        let base = start();
        let r = conn
            .for_each(rows(N), |row| {
                tally.rows += 1;
                tally.ids += get::<i64>(row, 0)?;
                tally.label_bytes += get::<String>(row, "label")?.len() as i64;
                tally.halves += get::<f64>(row, 2)?;
                Ok(())
            })
            .await
            .unwrap();
        let growth = peak_growth(base);
        // An error from the callback stops the rows, comes back, and
        // leaves the connection usable.
        let mut calls = 0;
        let err = conn
            .for_each(rows(N), |_| {
                calls += 1;
                Err(Error::InvalidStatement("stop".into()))
            })
            .await
            .unwrap_err();
        assert_eq!(err, Error::InvalidStatement("stop".into()));
        assert_eq!(calls, 1);
        let (v,): (i32,) = conn.fetch_one(text("SELECT 5")).await.unwrap();
        assert_eq!(v, 5);
        (tally, growth, r.rows_affected)
    });
    assert_eq!(tally, want);
    assert_eq!(affected, N as u64, "the server's row count for the SELECT");
    assert!(
        growth < BOUND,
        "for_each over {N} rows grew the heap by {growth} bytes"
    );
    drop(rt);

    // The blocking facade streams the same way.
    let engine = blocking::create_engine(&url).unwrap();
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

    // Buffering a third of the rows with execute() needs many times the bound.
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
}
