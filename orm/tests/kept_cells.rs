#![allow(missing_docs)]
//! Cells kept per thread: a collection dropping the last handles of its
//! objects leaves their allocations for the thread's next objects of the
//! model, and an object made in a kept cell starts from nothing of the
//! one before it.

use aludel_core::blocking::create_engine;
use aludel_core::text;
use aludel_orm::__private::spare_cells;
use aludel_orm::blocking::Session;
use aludel_orm::{selectin, Error, IntoKey, Many, Model, ObjectState};

use aludel_sqlite as _;

#[derive(Model, Debug, Default)]
#[aludel(table = "kept_libraries")]
pub struct Library {
    #[aludel(primary_key)]
    pub id: i64,
    pub name: String,
    #[aludel(order_by = "id")]
    pub books: Many<Book>,
}

#[derive(Model, Debug, Default)]
#[aludel(table = "kept_books")]
pub struct Book {
    #[aludel(primary_key)]
    pub id: i64,
    #[aludel(foreign_key = "kept_libraries.id")]
    pub library_id: i64,
    pub title: String,
}

/// The books' titles of each library, in order.
fn titles(libraries: &[aludel_orm::Obj<Library>]) -> Result<Vec<Vec<String>>, Error> {
    libraries
        .iter()
        .map(|l| {
            l.read()?
                .books
                .loaded()?
                .iter()
                .map(|b| Ok(b.read()?.title.clone()))
                .collect()
        })
        .collect()
}

#[test]
fn a_dropped_collection_leaves_its_cells_to_the_next_load() -> Result<(), Error> {
    let engine = create_engine("sqlite://")?;
    let mut db = Session::new(&engine);
    db.execute(text(
        "CREATE TABLE kept_libraries (id INTEGER PRIMARY KEY, name TEXT NOT NULL)",
    ))?;
    db.execute(text(
        "CREATE TABLE kept_books (id INTEGER PRIMARY KEY, \
         library_id INTEGER NOT NULL, title TEXT NOT NULL)",
    ))?;
    for l in 1..=3 {
        db.execute(text(&format!(
            "INSERT INTO kept_libraries (id, name) VALUES ({l}, 'L{l}')"
        )))?;
        for b in 1..=4 {
            let id = l * 10 + b;
            db.execute(text(&format!(
                "INSERT INTO kept_books (id, library_id, title) VALUES ({id}, {l}, 'B{id}')"
            )))?;
        }
    }
    db.commit()?;
    let expected: Vec<Vec<String>> = (1..=3)
        .map(|l| (1..=4).map(|b| format!("B{}", l * 10 + b)).collect())
        .collect();

    let before = spare_cells::<Book>();
    let libraries = db
        .query::<Library>()
        .order_by(Library::id.asc())
        .options(selectin(Library::books))
        .all()?;
    assert_eq!(titles(&libraries)?, expected);
    // One book changed in memory and never flushed, one still held by the
    // caller: neither must show through a reused cell.
    let first = libraries[0].read()?.books.loaded()?[0].clone();
    first.write()?.title = "changed, not flushed".into();
    drop(first);
    let held = libraries[2].read()?.books.loaded()?[3].clone();
    db.close()?;
    drop(libraries);
    // Every book but the one still held gave its cell back.
    assert_eq!(spare_cells::<Book>(), before + 11);
    assert_eq!(held.read()?.title, "B34");
    assert_eq!(held.state(), ObjectState::Detached);

    let mut db = Session::new(&engine);
    let libraries = db
        .query::<Library>()
        .order_by(Library::id.asc())
        .options(selectin(Library::books))
        .all()?;
    // The load took the kept cells, and each object in one is the row's,
    // persistent in the new session, unchanged.
    assert_eq!(spare_cells::<Book>(), before);
    assert_eq!(titles(&libraries)?, expected);
    for l in &libraries {
        for b in l.read()?.books.loaded()? {
            let info = b.inspect();
            assert_eq!(info.state, ObjectState::Persistent);
            assert!(!info.modified && !info.expired && !info.marked_for_deletion);
            assert_eq!(info.key, Some(b.read()?.id.into_key()));
        }
    }
    // The held book is not the new session's: the row's object is new.
    let again = libraries[2].read()?.books.loaded()?[3].clone();
    assert!(again != held);
    assert_eq!(held.state(), ObjectState::Detached);
    // A change through a reused cell is flushed as any other.
    libraries[0].read()?.books.loaded()?[1].write()?.title = "renamed".into();
    db.commit()?;
    let mut db = Session::new(&engine);
    let renamed = db.get::<Book>(12)?.expect("book 12");
    assert_eq!(renamed.read()?.title, "renamed");
    Ok(())
}
