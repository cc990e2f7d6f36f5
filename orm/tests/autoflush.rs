//! Autoflush finds every modified object, also when the last flush found
//! none and the session skips looking through its identity map until an
//! object is written: writes after a clean flush, objects attached again
//! after being changed while detached, and updates put back by a failed
//! flush. SQLite only (the bookkeeping is the same on every backend).

use aludel_core::blocking::{create_engine, Engine};
use aludel_orm::blocking::Session;
use aludel_orm::{Model, ObjectState};
use aludel_sqlite as _;

#[derive(Model, Debug, Clone, Default, PartialEq)]
#[aludel(table = "af_notes")]
struct Note {
    #[aludel(primary_key)]
    id: i64,
    #[aludel(unique, length = 50)]
    title: String,
}

fn setup() -> Result<(Engine, Session), aludel_orm::Error> {
    let engine = create_engine("sqlite://")?;
    let mut db = Session::new(&engine);
    db.create_all(&aludel_orm::models_metadata()?)?;
    for t in ["a", "b", "c"] {
        db.add(Note {
            title: t.into(),
            ..Default::default()
        });
    }
    db.commit()?;
    Ok((engine, db))
}

fn titles(db: &mut Session) -> Result<Vec<String>, aludel_orm::Error> {
    db.query_as::<(String,)>(Note::title)
        .order_by(Note::id.asc())
        .all()
        .map(|v| v.into_iter().map(|(t,)| t).collect())
}

#[test]
fn a_write_after_a_clean_flush_is_flushed() -> Result<(), aludel_orm::Error> {
    let (_engine, mut db) = setup()?;
    let notes = db.query::<Note>().order_by(Note::id.asc()).all()?;
    // Nothing to write: these flushes find the map clean.
    db.flush()?;
    assert!(db.get::<Note>(notes[1].key().expect("a key"))?.is_some());
    notes[0].write()?.title = "A".into();
    // The query's autoflush writes the change first.
    assert_eq!(titles(&mut db)?, ["A", "b", "c"]);
    notes[2].write()?.title = "C".into();
    assert!(db.has_changes());
    db.commit()?;
    assert_eq!(titles(&mut db)?, ["A", "b", "C"]);
    Ok(())
}

#[test]
fn an_object_changed_while_detached_is_flushed_once_attached() -> Result<(), aludel_orm::Error> {
    let (_engine, mut db) = setup()?;
    let note = db.query::<Note>().filter(Note::title.eq("b")).one()?;
    db.expunge(&note);
    assert_eq!(note.state(), ObjectState::Detached);
    note.write()?.title = "B".into();
    // A flush that finds this session clean, after the write.
    db.flush()?;
    db.add_obj(&note)?;
    assert_eq!(titles(&mut db)?, ["a", "B", "c"]);
    db.commit()?;
    Ok(())
}

#[test]
fn updates_undone_by_a_failed_flush_are_flushed_again() -> Result<(), aludel_orm::Error> {
    let (_engine, mut db) = setup()?;
    let notes = db.query::<Note>().order_by(Note::id.asc()).all()?;
    notes[0].write()?.title = "A".into();
    db.flush()?;
    // A pending note that breaks the unique title: the flush fails and
    // the transaction's earlier UPDATE is undone with it.
    let dup = db.add(Note {
        title: "c".into(),
        ..Default::default()
    });
    assert!(db.flush().is_err());
    assert!(notes[0].inspect().modified, "the update is pending again");
    db.expunge(&dup);
    assert_eq!(titles(&mut db)?, ["A", "b", "c"]);
    db.commit()?;
    assert_eq!(titles(&mut db)?, ["A", "b", "c"]);
    Ok(())
}
