//! The session on every backend: identity map, object states, the unit of
//! work, expiry, and both query styles. Each case asserts rows, objects,
//! errors, and the statements sent.

mod common;

use common::{Category, Document, Membership, Post, User};

on_every_backend!(
    identity_map_gives_one_object_per_row,
    queries_keep_unflushed_changes_and_autoflush_pending_objects,
    sessions_are_isolated,
    object_states_through_a_lifetime,
    close_detaches_every_object_for_another_session_to_take,
    inserts_are_batched_and_keys_read_back_in_order,
    flush_orders_tables_by_foreign_keys,
    self_referential_rows_insert_parents_first_and_delete_children_first,
    update_carries_only_changed_columns,
    version_column_detects_stale_updates_and_deletes,
    failed_flush_rolls_back_and_leaves_the_session_usable,
    rollback_expunges_new_objects_and_expires_the_rest,
    expire_on_commit_and_refresh,
    merge_expunge_and_delete,
    composite_keys,
    legacy_queries,
    core_style_queries,
    create_all_creates_only_missing_tables,
);

mod cases {
    use super::common::Backend;
    use super::*;
    use aludel_core::{func, select};
    use aludel_orm::{select_model, Error, Model, ObjectState, Session, SessionMaker};

    type R = Result<(), Error>;

    fn user(name: &str) -> User {
        User {
            name: Some(name.into()),
            email: Some(format!("{}@example.com", name.to_lowercase())),
            ..Default::default()
        }
    }

    pub async fn identity_map_gives_one_object_per_row(b: &Backend) -> R {
        let mut db = Session::new(b.engine.clone());
        let alice = db.add(user("Alice"));
        db.flush().await?;
        let id = alice.read()?.id;
        assert!(id > 0, "the generated key is read back");
        b.recorder.take();
        // By key: the identity map answers, no SQL.
        let again = db.get::<User>(id).await?.expect("alice");
        assert!(again == alice);
        assert!(b.recorder.queries().is_empty());
        // By query: SQL runs, and the row maps to the same object.
        let found = db.query::<User>().filter(User::id.eq(id)).one().await?;
        assert!(found == alice);
        assert_eq!(b.recorder.queries().len(), 1);
        // A key that is not there is one SELECT and None.
        assert!(db.get::<User>(id + 1000).await?.is_none());
        assert_eq!(b.recorder.queries().len(), 1);
        db.commit().await?;
        Ok(())
    }

    pub async fn queries_keep_unflushed_changes_and_autoflush_pending_objects(b: &Backend) -> R {
        let mut db = Session::new(b.engine.clone());
        let alice = db.add(user("Alice"));
        // Autoflush: the pending object is INSERTed before the query runs.
        let n = db.query::<User>().count().await?;
        assert_eq!(n, 1);
        assert_eq!(alice.state(), ObjectState::Persistent);
        db.commit().await?;

        let mut db = SessionMaker::new(b.engine.clone())
            .autoflush(false)
            .session();
        let a = db.query::<User>().one().await?;
        a.write()?.name = Some("Alicia".into());
        // Without autoflush the database still has the old name, and a
        // query does not overwrite the unflushed change.
        let again = db.query::<User>().one().await?;
        assert!(again == a);
        assert_eq!(again.read()?.name.as_deref(), Some("Alicia"));
        let names: Vec<(Option<String>,)> = db.query_as(User::name).all().await?;
        assert_eq!(names, vec![(Some("Alice".to_string()),)]);
        db.flush().await?;
        let names: Vec<(Option<String>,)> = db.query_as(User::name).all().await?;
        assert_eq!(names, vec![(Some("Alicia".to_string()),)]);
        db.commit().await?;
        Ok(())
    }

    pub async fn sessions_are_isolated(b: &Backend) -> R {
        let mut one = Session::new(b.engine.clone());
        one.add(user("Alice"));
        one.commit().await?;
        let mut s1 = Session::new(b.engine.clone());
        let mut s2 = Session::new(b.engine.clone());
        let a1 = s1.query::<User>().one().await?;
        let a2 = s2.query::<User>().one().await?;
        assert!(a1 != a2, "two sessions, two objects");
        a1.write()?.name = Some("Changed".into());
        assert_eq!(a2.read()?.name.as_deref(), Some("Alice"));
        // An object of one session cannot be added to another.
        let e = s2.add_obj(&a1).unwrap_err();
        assert!(matches!(e, Error::InvalidState { .. }), "{e}");
        s1.rollback().await?;
        s2.rollback().await?;
        // Expunged, it is detached, and another session can take it.
        s1.expunge(&a1);
        assert_eq!(a1.state(), ObjectState::Detached);
        let mut s3 = Session::new(b.engine.clone());
        s3.add_obj(&a1)?;
        assert_eq!(a1.state(), ObjectState::Persistent);
        assert!(s3.contains(&a1));
        Ok(())
    }

    pub async fn object_states_through_a_lifetime(b: &Backend) -> R {
        let obj = aludel_orm::Obj::new(user("Alice"));
        assert_eq!(obj.state(), ObjectState::Transient);
        let mut db = Session::new(b.engine.clone());
        db.add_obj(&obj)?;
        assert_eq!(obj.state(), ObjectState::Pending);
        assert!(db.contains(&obj));
        db.flush().await?;
        let info = obj.inspect();
        assert_eq!(info.state, ObjectState::Persistent);
        assert!(info.key.is_some());
        obj.write()?.name = Some("Al".into());
        assert!(obj.inspect().modified);
        db.delete(&obj)?;
        assert!(obj.inspect().marked_for_deletion);
        db.flush().await?;
        assert_eq!(obj.state(), ObjectState::Deleted);
        db.commit().await?;
        assert_eq!(obj.state(), ObjectState::Detached);
        let e = db.delete(&obj).unwrap_err();
        assert!(matches!(e, Error::InvalidState { .. }), "{e}");
        Ok(())
    }

    pub async fn close_detaches_every_object_for_another_session_to_take(b: &Backend) -> R {
        let mut db = Session::new(b.engine.clone());
        db.add_all([user("Alice"), user("Bob")]);
        db.commit().await?;
        let mut db = Session::new(b.engine.clone());
        let users = db.query::<User>().order_by(User::id.asc()).all().await?;
        assert_eq!(users.len(), 2);
        users[0].write()?.name = Some("Al".into());
        db.delete(&users[1])?;
        db.close().await?;
        for u in &users {
            let info = u.inspect();
            assert_eq!(info.state, ObjectState::Detached);
            assert!(!info.marked_for_deletion);
            assert!(!db.contains(u));
        }
        // Values and keys stay readable; the unflushed change stays in memory.
        assert_eq!(users[0].read()?.name.as_deref(), Some("Al"));
        assert!(users[1].key().is_some());
        // Another session takes a detached object back, and so does the
        // closed session, reused.
        let mut other = Session::new(b.engine.clone());
        other.add_obj(&users[0])?;
        assert_eq!(users[0].state(), ObjectState::Persistent);
        assert!(other.contains(&users[0]));
        assert!(other.get::<User>(users[0].key().expect("a key")).await? == Some(users[0].clone()));
        db.add_obj(&users[1])?;
        assert_eq!(users[1].state(), ObjectState::Persistent);
        // The session that holds it now flushes the change made before.
        other.commit().await?;
        db.close().await?;
        let mut db = Session::new(b.engine.clone());
        let names: Vec<Option<String>> = db
            .query::<User>()
            .order_by(User::id.asc())
            .all()
            .await?
            .iter()
            .map(|u| Ok(u.read()?.name.clone()))
            .collect::<Result<_, Error>>()?;
        assert_eq!(names, [Some("Al".to_string()), Some("Bob".to_string())]);
        // expunge_all detaches as close does.
        let held = db.query::<User>().all().await?;
        db.expunge_all();
        assert!(held.iter().all(|u| u.state() == ObjectState::Detached));
        Ok(())
    }

    pub async fn inserts_are_batched_and_keys_read_back_in_order(b: &Backend) -> R {
        let mut db = Session::new(b.engine.clone());
        let users = db.add_all((0..25).map(|i| user(&format!("U{i:02}"))));
        b.recorder.take();
        db.flush().await?;
        let inserts: Vec<String> = b
            .recorder
            .queries()
            .into_iter()
            .filter(|s| s.starts_with("INSERT"))
            .collect();
        let caps = b.engine.dialect().capabilities();
        if caps.insert_returning && caps.multi_row_insert {
            assert_eq!(inserts.len(), 1, "{inserts:?}");
        } else {
            assert_eq!(inserts.len(), 25);
        }
        // Every object got the key of its own row.
        for u in &users {
            let (id, name) = {
                let r = u.read()?;
                (r.id, r.name.clone())
            };
            let db_name: Option<Option<String>> = db
                .query_as::<(Option<String>,)>(User::name)
                .filter(User::id.eq(id))
                .scalar()
                .await?;
            assert_eq!(db_name, Some(name));
        }
        db.commit().await?;
        Ok(())
    }

    pub async fn flush_orders_tables_by_foreign_keys(b: &Backend) -> R {
        let mut db = Session::new(b.engine.clone());
        // The post is added first, but refers to the user.
        db.add(Post {
            title: Some("Hello".into()),
            owner_id: Some(7),
            ..Default::default()
        });
        db.add(User {
            id: 7,
            name: Some("Seven".into()),
            email: None,
        });
        b.recorder.take();
        db.flush().await?;
        let q = b.recorder.queries();
        let users_at = q
            .iter()
            .position(|s| s.contains("INSERT INTO") && s.contains("orm_users"));
        let posts_at = q
            .iter()
            .position(|s| s.contains("INSERT INTO") && s.contains("orm_posts"));
        assert!(users_at < posts_at, "{q:?}");
        // Deleting both: the post goes first.
        let u = db.get::<User>(7).await?.expect("user");
        let p = db.query::<Post>().one().await?;
        db.delete(&u)?;
        db.delete(&p)?;
        b.recorder.take();
        db.commit().await?;
        let q = b.recorder.queries();
        let users_at = q
            .iter()
            .position(|s| s.starts_with("DELETE") && s.contains("orm_users"));
        let posts_at = q
            .iter()
            .position(|s| s.starts_with("DELETE") && s.contains("orm_posts"));
        assert!(posts_at < users_at, "{q:?}");
        Ok(())
    }

    pub async fn self_referential_rows_insert_parents_first_and_delete_children_first(
        b: &Backend,
    ) -> R {
        let mut db = Session::new(b.engine.clone());
        let cat = |id, name: &str, parent| Category {
            id,
            name: name.into(),
            parent_id: parent,
        };
        // Children before their parents.
        let leaf = db.add(cat(3, "leaf", Some(2)));
        let mid = db.add(cat(2, "mid", Some(1)));
        let root = db.add(cat(1, "root", None));
        db.flush().await?;
        let n = db.query::<Category>().count().await?;
        assert_eq!(n, 3);
        db.commit().await?;
        for c in [&leaf, &mid, &root] {
            db.refresh(c).await?;
        }
        // Parents marked first; the leaf is deleted first.
        db.delete(&root)?;
        db.delete(&mid)?;
        db.delete(&leaf)?;
        db.commit().await?;
        let mut check = Session::new(b.engine.clone());
        assert_eq!(check.query::<Category>().count().await?, 0);
        Ok(())
    }

    pub async fn update_carries_only_changed_columns(b: &Backend) -> R {
        let mut db = Session::new(b.engine.clone());
        db.add_all([user("Alice"), user("Bob"), user("Carol")]);
        db.commit().await?;
        let users = db.query::<User>().order_by(User::id.asc()).all().await?;
        for u in &users {
            let mut w = u.write()?;
            let upper = w.name.as_deref().unwrap_or("").to_uppercase();
            w.name = Some(upper);
        }
        // Written but not changed: no UPDATE.
        drop(users[0].write()?);
        users[0].write()?.name = Some("Alice".into());
        b.recorder.take();
        db.flush().await?;
        let q = b.recorder.queries();
        let updates: Vec<&String> = q.iter().filter(|s| s.starts_with("UPDATE")).collect();
        assert_eq!(updates.len(), 1, "one statement for both rows: {q:?}");
        let sql = updates[0];
        assert!(sql.contains("name"), "{sql}");
        assert!(!sql.contains("email"), "only the changed column: {sql}");
        db.commit().await?;
        let names: Vec<(Option<String>,)> = db
            .query_as(User::name)
            .order_by(User::id.asc())
            .all()
            .await?;
        let names: Vec<String> = names
            .into_iter()
            .map(|(n,)| n.unwrap_or_default())
            .collect();
        assert_eq!(names, ["Alice", "BOB", "CAROL"]);
        Ok(())
    }

    pub async fn version_column_detects_stale_updates_and_deletes(b: &Backend) -> R {
        let mut db = Session::new(b.engine.clone());
        let d = db.add(Document {
            body: "v1".into(),
            ..Default::default()
        });
        db.flush().await?;
        assert_eq!(d.read()?.version, 1);
        db.commit().await?;

        // Two sessions that end their transactions between steps (as two
        // web requests would), keeping their objects loaded.
        let maker = SessionMaker::new(b.engine.clone()).expire_on_commit(false);
        let mut s1 = maker.session();
        let mut s2 = maker.session();
        let d1 = s1.query::<Document>().one().await?;
        s1.commit().await?;
        let d2 = s2.query::<Document>().one().await?;
        s2.commit().await?;
        d1.write()?.body = "from one".into();
        s1.commit().await?;
        assert_eq!(d1.read()?.version, 2);
        d2.write()?.body = "from two".into();
        let e = s2.flush().await.unwrap_err();
        assert!(
            matches!(
                e,
                Error::StaleData {
                    operation: "UPDATE",
                    expected: 1,
                    matched: 0,
                    ..
                }
            ),
            "{e}"
        );
        // The session is usable: the change is still pending; refresh
        // discards it and takes the new version.
        assert!(d2.inspect().modified);
        s2.refresh(&d2).await?;
        assert_eq!(d2.read()?.body, "from one");
        assert_eq!(d2.read()?.version, 2);
        s2.commit().await?;
        d1.write()?.body = "again".into();
        s1.commit().await?;
        s2.delete(&d2)?;
        let e = s2.flush().await.unwrap_err();
        assert!(
            matches!(
                e,
                Error::StaleData {
                    operation: "DELETE",
                    ..
                }
            ),
            "{e}"
        );
        Ok(())
    }

    pub async fn failed_flush_rolls_back_and_leaves_the_session_usable(b: &Backend) -> R {
        let mut db = Session::new(b.engine.clone());
        db.add(user("Existing"));
        db.commit().await?;

        let mut db = Session::new(b.engine.clone());
        let first = db.add(user("First"));
        db.flush().await?; // in the same transaction as the failure below
        assert_eq!(first.state(), ObjectState::Persistent);
        let mut batch = Vec::new();
        for i in 0..10 {
            let mut u = user(&format!("B{i}"));
            if i == 6 {
                u.email = Some("existing@example.com".into());
            }
            batch.push(db.add(u));
        }
        let e = db.flush().await.unwrap_err();
        assert!(e.is_integrity(), "{e}");
        // Everything the transaction wrote is pending again, keys cleared.
        assert_eq!(first.state(), ObjectState::Pending);
        assert_eq!(first.read()?.id, 0);
        for u in &batch {
            assert_eq!(u.state(), ObjectState::Pending);
            assert_eq!(u.read()?.id, 0);
        }
        // Remove the offender and flush again.
        db.expunge(&batch[6]);
        db.commit().await?;
        let mut check = Session::new(b.engine.clone());
        assert_eq!(check.query::<User>().count().await?, 11);
        assert_eq!(batch[6].state(), ObjectState::Transient);
        assert!(batch[0].state() == ObjectState::Persistent);
        Ok(())
    }

    pub async fn rollback_expunges_new_objects_and_expires_the_rest(b: &Backend) -> R {
        let mut db = Session::new(b.engine.clone());
        let kept = db.add(user("Kept"));
        db.commit().await?;
        db.refresh(&kept).await?;
        let added = db.add(user("Added"));
        db.flush().await?;
        kept.write()?.name = Some("Renamed".into());
        db.rollback().await?;
        assert_eq!(added.state(), ObjectState::Transient);
        assert_eq!(added.read()?.id, 0);
        assert!(kept.is_expired());
        assert!(matches!(kept.read(), Err(Error::Expired { .. })));
        db.refresh(&kept).await?;
        assert_eq!(kept.read()?.name.as_deref(), Some("Kept"));
        assert_eq!(db.query::<User>().count().await?, 1);
        Ok(())
    }

    pub async fn expire_on_commit_and_refresh(b: &Backend) -> R {
        let mut db = Session::new(b.engine.clone());
        let a = db.add(user("Alice"));
        db.commit().await?;
        let e = a.read().unwrap_err();
        assert!(matches!(e, Error::Expired { model: "User", .. }), "{e}");
        assert!(e.to_string().contains("refresh"), "{e}");
        db.refresh(&a).await?;
        assert_eq!(a.read()?.name.as_deref(), Some("Alice"));
        // A query reloads expired objects too.
        db.commit().await?;
        let again = db.query::<User>().one().await?;
        assert!(again == a);
        assert_eq!(a.read()?.name.as_deref(), Some("Alice"));
        // (End the read transaction: on SQLite an open one blocks the
        // other session's commit.)
        db.commit().await?;

        let mut keep = SessionMaker::new(b.engine.clone())
            .expire_on_commit(false)
            .session();
        let bob = keep.add(user("Bob"));
        keep.commit().await?;
        assert_eq!(bob.read()?.name.as_deref(), Some("Bob"));
        Ok(())
    }

    pub async fn merge_expunge_and_delete(b: &Backend) -> R {
        let mut db = Session::new(b.engine.clone());
        let a = db.add(user("Alice"));
        db.commit().await?;
        db.refresh(&a).await?;
        let id = a.read()?.id;
        // merge copies a detached value onto the session's object.
        let merged = db
            .merge(User {
                id,
                name: Some("Alicia".into()),
                email: Some("alice@example.com".into()),
            })
            .await?;
        assert!(merged == a);
        db.commit().await?;
        let mut other = Session::new(b.engine.clone());
        let fresh = other.get::<User>(id).await?.expect("row");
        assert_eq!(fresh.read()?.name.as_deref(), Some("Alicia"));
        // merge of an unknown key adds a new object.
        let added = other.merge(user("Zed")).await?;
        assert_eq!(added.state(), ObjectState::Pending);
        other.expunge(&added);
        assert_eq!(added.state(), ObjectState::Transient);
        other.expunge(&fresh);
        assert_eq!(fresh.state(), ObjectState::Detached);
        assert!(other.get::<User>(id).await?.expect("loaded again") != fresh);
        // delete: get no longer finds it; after the flush the row is gone.
        let again = other.get::<User>(id).await?.expect("present");
        other.delete(&again)?;
        assert!(other.get::<User>(id).await?.is_none());
        other.commit().await?;
        assert_eq!(other.query::<User>().count().await?, 0);
        Ok(())
    }

    pub async fn composite_keys(b: &Backend) -> R {
        let mut db = Session::new(b.engine.clone());
        db.add(Membership {
            user_id: 1,
            group_name: "admins".into(),
            role: "owner".into(),
        });
        db.add(Membership {
            user_id: 1,
            group_name: "users".into(),
            role: "member".into(),
        });
        db.commit().await?;
        let m = db
            .get::<Membership>((1, "users"))
            .await?
            .expect("membership");
        assert_eq!(m.read()?.role, "member");
        b.recorder.take();
        assert!(db.get::<Membership>((1i64, "users")).await?.expect("again") == m);
        assert!(b.recorder.queries().is_empty());
        assert!(db.get::<Membership>((2, "users")).await?.is_none());
        m.write()?.role = "moderator".into();
        db.commit().await?;
        let mut check = Session::new(b.engine.clone());
        let role: Option<String> = check
            .query_as::<(String,)>(Membership::role)
            .filter(Membership::group_name.eq("users"))
            .scalar()
            .await?;
        assert_eq!(role.as_deref(), Some("moderator"));
        Ok(())
    }

    pub async fn legacy_queries(b: &Backend) -> R {
        let mut db = Session::new(b.engine.clone());
        let alice = db.add(user("Alice"));
        db.add(user("Bob"));
        db.add(user("Anna"));
        db.flush().await?;
        let alice_id = alice.read()?.id;
        for t in ["First", "Second"] {
            db.add(Post {
                title: Some(t.into()),
                content: Some("...".into()),
                owner_id: Some(alice_id),
                ..Default::default()
            });
        }
        db.commit().await?;

        // 9.1: filter and order.
        let a_users = db
            .query::<User>()
            .filter(User::name.like("A%"))
            .order_by(User::id.desc())
            .all()
            .await?;
        let names: Vec<String> = a_users
            .iter()
            .map(|u| u.read().map(|u| u.name.clone().unwrap_or_default()))
            .collect::<Result<_, _>>()?;
        assert_eq!(names, ["Anna", "Alice"]);
        // filter_by, first, one, one_or_none, limit, offset.
        let bob = db
            .query::<User>()
            .filter_by(User::name, "Bob")
            .one()
            .await?;
        assert_eq!(bob.read()?.email.as_deref(), Some("bob@example.com"));
        assert!(db
            .query::<User>()
            .filter_by(User::name, "Nobody")
            .one_or_none()
            .await?
            .is_none());
        assert!(matches!(
            db.query::<User>().one().await,
            Err(Error::Core(aludel_core::Error::MultipleRows { count: 3 }))
        ));
        assert!(matches!(
            db.query::<User>()
                .filter_by(User::name, "Nobody")
                .one()
                .await,
            Err(Error::Core(aludel_core::Error::NoRows))
        ));
        let second = db
            .query::<User>()
            .order_by(User::id.asc())
            .limit(1)
            .offset(1)
            .first()
            .await?
            .expect("second");
        assert!(second == bob);
        assert_eq!(
            db.query::<User>()
                .filter(User::name.like("A%"))
                .count()
                .await?,
            2
        );
        // 9.2: columns of a join.
        let pairs: Vec<(Option<String>, Option<String>)> = db
            .query_as((User::name, Post::title))
            .join(Post::table(), User::id.eq(Post::owner_id))
            .order_by(Post::id.asc())
            .all()
            .await?;
        assert_eq!(
            pairs,
            [
                (Some("Alice".to_string()), Some("First".to_string())),
                (Some("Alice".to_string()), Some("Second".to_string()))
            ]
        );
        // 9.3: an aggregate.
        let total: Option<i64> = db
            .query_as::<(i64,)>(func::count(Post::id))
            .scalar()
            .await?;
        assert_eq!(total, Some(2));
        // 9.4: a subquery joined.
        let subq = db
            .query_as::<(i64, i64)>((Post::owner_id, func::count(Post::id).label("post_count")))
            .group_by([Post::owner_id])
            .subquery("post_counts");
        let counts: Vec<(Option<String>, i64)> = db
            .query_as((User::name.expr(), subq.c("post_count")?))
            .join(&subq, User::id.eq(subq.c("owner_id")?))
            .all()
            .await?;
        assert_eq!(counts, [(Some("Alice".to_string()), 2)]);
        // exists()
        let with_posts = db
            .query::<User>()
            .filter(db_exists_post_of_user())
            .all()
            .await?;
        assert_eq!(with_posts.len(), 1);
        assert!(with_posts[0] == alice);
        Ok(())
    }

    fn db_exists_post_of_user() -> aludel_core::Expr {
        aludel_core::exists(
            select(Post::id)
                .from(Post::table())
                .where_(Post::owner_id.eq(User::id)),
        )
    }

    pub async fn core_style_queries(b: &Backend) -> R {
        let mut db = Session::new(b.engine.clone());
        db.add_all([user("Alice"), user("Bob")]);
        db.commit().await?;
        // select(User) through scalars: tracked objects.
        let users = db
            .scalars::<User>(select_model::<User>().where_(User::name.eq("Bob")))
            .await?;
        assert_eq!(users.len(), 1);
        let bob_id = users[0].read()?.id;
        assert!(db.get::<User>(bob_id).await?.expect("bob") == users[0]);
        // The untracked fast path: plain structs, not in the session.
        let plain: Vec<User> = db
            .query::<User>()
            .plain()
            .order_by(User::id.asc())
            .all()
            .await?;
        assert_eq!(plain.len(), 2);
        assert_eq!(plain[0].name.as_deref(), Some("Alice"));
        let n_objects = db.len();
        let rows: Vec<User> = db.fetch_all(select_model::<User>()).await?;
        assert_eq!(rows.len(), 2);
        assert_eq!(
            db.len(),
            n_objects,
            "untracked rows do not enter the identity map"
        );
        // execute: Core rows in the session's transaction.
        let res = db
            .execute(select(func::count_star()).from(User::table()))
            .await?;
        assert_eq!(res.scalar::<i64>()?, Some(2));
        Ok(())
    }

    /// `create_all` checks first, as SQLAlchemy's does: a second run on a
    /// complete schema creates nothing and keeps the rows, and a missing
    /// table is created beside the existing ones.
    pub async fn create_all_creates_only_missing_tables(b: &Backend) -> R {
        let md = aludel_orm::models_metadata()?;
        let mut db = Session::new(b.engine.clone());
        db.add(user("Ann"));
        db.commit().await?;
        b.recorder.take();
        db.create_all(&md).await?;
        db.commit().await?;
        let creates: Vec<String> = b
            .recorder
            .take()
            .into_iter()
            .filter(|s| s.trim_start().to_ascii_uppercase().starts_with("CREATE"))
            .collect();
        assert_eq!(creates, Vec::<String>::new());
        assert_eq!(db.query::<User>().count().await?, 1);

        db.execute(aludel_core::drop_table(Membership::table()))
            .await?;
        db.commit().await?;
        b.recorder.take();
        db.create_all(&md).await?;
        db.commit().await?;
        let created: Vec<String> = b
            .recorder
            .take()
            .into_iter()
            .filter(|s| s.trim_start().to_ascii_uppercase().starts_with("CREATE"))
            .collect();
        assert_eq!(created.len(), 1, "{created:?}");
        assert!(created[0].contains("orm_memberships"), "{created:?}");
        db.add(Membership {
            user_id: 1,
            group_name: "admins".into(),
            role: "owner".into(),
        });
        db.commit().await?;
        assert_eq!(db.query::<Membership>().count().await?, 1);
        assert_eq!(db.query::<User>().count().await?, 1);
        Ok(())
    }
}

/// The session's futures are `Send`: a session can move into a spawned task.
#[tokio::test]
async fn a_session_works_inside_a_spawned_task() {
    let engine = aludel_core::create_engine("sqlite://").unwrap();
    let handle = tokio::spawn(async move {
        let mut db = aludel_orm::Session::new(engine);
        db.create_all(&aludel_orm::models_metadata()?).await?;
        db.add(User {
            name: Some("Task".into()),
            ..Default::default()
        });
        db.commit().await?;
        db.query::<User>().count().await
    });
    assert_eq!(handle.await.unwrap().unwrap(), 1);
}
