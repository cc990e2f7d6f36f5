#![allow(missing_docs)]
//! Relationships on every backend: setting and appending before keys
//! exist, cascades, many-to-many, a self-referential tree, and each loader
//! strategy, with the number of statements each one sends.

mod common;

use aludel_orm::{Many, Model, One};

/// A user with posts (cascade all, delete-orphan) and a profile (one-to-one).
#[derive(Model, Debug, Default)]
#[aludel(table = "rel_users")]
pub struct Author {
    #[aludel(primary_key)]
    pub id: i64,
    #[aludel(length = 50)]
    pub name: String,
    #[aludel(
        back_populates = "owner",
        order_by = "id",
        cascade = "all, delete-orphan"
    )]
    pub posts: Many<Article>,
    #[aludel(back_populates = "user")]
    pub profile: One<Profile>,
}

#[derive(Model, Debug, Default)]
#[aludel(table = "rel_profiles")]
pub struct Profile {
    #[aludel(primary_key)]
    pub id: i64,
    #[aludel(unique, foreign_key = "rel_users.id")]
    pub user_id: Option<i64>,
    #[aludel(length = 100)]
    pub bio: String,
    #[aludel(back_populates = "profile")]
    pub user: One<Author>,
}

#[derive(Model, Debug, Default)]
#[aludel(table = "rel_posts")]
pub struct Article {
    #[aludel(primary_key)]
    pub id: i64,
    #[aludel(length = 100)]
    pub title: String,
    #[aludel(foreign_key = "rel_users.id")]
    pub owner_id: Option<i64>,
    #[aludel(back_populates = "posts")]
    pub owner: One<Author>,
    #[aludel(order_by = "id", cascade = "all", passive_deletes)]
    pub comments: Many<Comment>,
    #[aludel(secondary = "rel_post_tags", order_by = "name")]
    pub tags: Many<Tag>,
}

#[derive(Model, Debug, Default)]
#[aludel(table = "rel_comments")]
pub struct Comment {
    #[aludel(primary_key)]
    pub id: i64,
    #[aludel(length = 100)]
    pub body: String,
    #[aludel(foreign_key = "rel_posts.id", on_delete = "cascade")]
    pub post_id: Option<i64>,
    #[aludel(lazy = "raise")]
    pub post: One<Article>,
}

#[derive(Model, Debug, Default)]
#[aludel(table = "rel_tags")]
pub struct Tag {
    #[aludel(primary_key)]
    pub id: i64,
    #[aludel(length = 30)]
    pub name: String,
}

/// The association table of posts and tags.
#[derive(Model, Debug, Default)]
#[aludel(table = "rel_post_tags")]
pub struct PostTag {
    #[aludel(
        primary_key,
        autoincrement = false,
        foreign_key = "rel_posts.id",
        on_delete = "cascade"
    )]
    pub post_id: i64,
    #[aludel(
        primary_key,
        autoincrement = false,
        foreign_key = "rel_tags.id",
        on_delete = "cascade"
    )]
    pub tag_id: i64,
}

/// A shelf whose books load with it by default (`lazy = "selectin"`).
#[derive(Model, Debug, Default)]
#[aludel(table = "rel_shelves")]
pub struct Shelf {
    #[aludel(primary_key)]
    pub id: i64,
    #[aludel(length = 30)]
    pub label: String,
    #[aludel(lazy = "selectin", order_by = "id")]
    pub books: Many<Book>,
}

#[derive(Model, Debug, Default)]
#[aludel(table = "rel_books")]
pub struct Book {
    #[aludel(primary_key)]
    pub id: i64,
    #[aludel(length = 30)]
    pub title: String,
    #[aludel(foreign_key = "rel_shelves.id")]
    pub shelf_id: Option<i64>,
}

/// An adjacency list: a category tree.
#[derive(Model, Debug, Default)]
#[aludel(table = "rel_nodes")]
pub struct Node {
    #[aludel(primary_key)]
    pub id: i64,
    #[aludel(length = 30)]
    pub name: String,
    #[aludel(foreign_key = "rel_nodes.id")]
    pub parent_id: Option<i64>,
    #[aludel(back_populates = "children")]
    pub parent: One<Node>,
    #[aludel(back_populates = "parent", order_by = "id")]
    pub children: Many<Node>,
}

on_every_backend!(
    setting_a_many_to_one_before_the_target_has_a_key,
    appending_to_a_collection_sets_the_foreign_key_and_the_back_reference,
    removing_from_collections_deletes_orphans_or_nulls_the_key,
    deleting_a_parent_cascades,
    one_to_one_both_ways,
    many_to_many_through_an_association_table,
    self_referential_tree,
    lazy_loads_are_explicit_and_free_the_second_time,
    selectin_loads_with_one_query_per_level,
    selectin_groups_unflushed_objects_by_their_current_keys,
    selectin_chunks_keys_under_the_bind_limit,
    joined_loads_in_one_query_and_respects_limit,
    nested_options_mix_strategies,
    raise_and_detached_objects_are_clear_errors,
    joins_along_relationships_and_entities_with_columns,
    plain_queries_load_relationships_untracked,
    plain_joined_loads_deduplicate_and_respect_limit,
    plain_loads_nest_strategies_and_share_rows_within_a_load,
    plain_loads_apply_eager_defaults_and_report_mistakes,
);

mod cases {
    use super::common::Backend;
    use super::*;
    use aludel_orm::{joined, selectin, Error, IntoKey, Obj, ObjectState, Session, SessionMaker};

    type R = Result<(), Error>;

    fn author(name: &str) -> Author {
        Author {
            name: name.into(),
            ..Default::default()
        }
    }

    fn article(title: &str) -> Article {
        Article {
            title: title.into(),
            ..Default::default()
        }
    }

    fn selects(b: &Backend) -> usize {
        b.recorder
            .queries()
            .iter()
            .filter(|s| s.starts_with("SELECT"))
            .count()
    }

    /// Alice with two posts (each with two comments), Bob with one, Carol with none.
    async fn seed(b: &Backend) -> Result<(), Error> {
        let mut db = Session::new(b.engine.clone());
        for (name, titles) in [
            ("Alice", &["A1", "A2"][..]),
            ("Bob", &["B1"]),
            ("Carol", &[]),
        ] {
            let a = db.add(author(name));
            for t in titles {
                let p = Obj::new(article(t));
                a.append(Author::posts, &p)?;
                for c in 0..2 {
                    let cm = Obj::new(Comment {
                        body: format!("{t}-c{c}"),
                        ..Default::default()
                    });
                    p.append(Article::comments, &cm)?;
                }
            }
        }
        db.commit().await?;
        b.recorder.take();
        Ok(())
    }

    fn titles(posts: &[Obj<Article>]) -> Result<Vec<String>, Error> {
        posts.iter().map(|p| Ok(p.read()?.title.clone())).collect()
    }

    pub async fn setting_a_many_to_one_before_the_target_has_a_key(b: &Backend) -> R {
        let mut db = Session::new(b.engine.clone());
        let alice = Obj::new(author("Alice"));
        let post = db.add(article("Hello"));
        post.set(Article::owner, Some(&alice))?;
        // back_populates: alice's (new, so loaded and empty) collection has it.
        assert_eq!(alice.read()?.posts.loaded()?.len(), 1);
        db.flush().await?; // cascades alice in, INSERTs her first
        assert_eq!(alice.state(), ObjectState::Persistent);
        let alice_id = alice.read()?.id;
        assert!(alice_id > 0);
        assert_eq!(post.read()?.owner_id, Some(alice_id));
        // Moving the post to Bob: an UPDATE of the foreign key.
        let bob = db.add(author("Bob"));
        post.set(Article::owner, Some(&bob))?;
        assert!(alice.read()?.posts.loaded()?.is_empty());
        db.commit().await?;
        let mut check = Session::new(b.engine.clone());
        let p = check.query::<Article>().one().await?;
        let bob_id = check
            .query::<Author>()
            .filter(Author::name.eq("Bob"))
            .one()
            .await?
            .read()?
            .id;
        assert_eq!(p.read()?.owner_id, Some(bob_id));
        Ok(())
    }

    pub async fn appending_to_a_collection_sets_the_foreign_key_and_the_back_reference(
        b: &Backend,
    ) -> R {
        let mut db = Session::new(b.engine.clone());
        let alice = db.add(author("Alice"));
        let p1 = Obj::new(article("one"));
        let p2 = Obj::new(article("two"));
        alice.append(Author::posts, &p1)?;
        alice.append(Author::posts, &p2)?;
        assert!(p1.read()?.owner.get()? == Some(&alice));
        b.recorder.take();
        db.flush().await?;
        let inserts = b
            .recorder
            .queries()
            .iter()
            .filter(|s| s.starts_with("INSERT"))
            .count();
        let caps = b.engine.dialect().capabilities();
        if caps.insert_returning {
            assert_eq!(inserts, 2, "one INSERT per table");
        }
        let id = alice.read()?.id;
        assert_eq!(p1.read()?.owner_id, Some(id));
        assert_eq!(p2.read()?.owner_id, Some(id));
        db.commit().await?;
        let mut check = Session::new(b.engine.clone());
        let n = check
            .query::<Article>()
            .filter(Article::owner_id.eq(id))
            .count()
            .await?;
        assert_eq!(n, 2);
        Ok(())
    }

    pub async fn removing_from_collections_deletes_orphans_or_nulls_the_key(b: &Backend) -> R {
        seed(b).await?;
        let mut db = Session::new(b.engine.clone());
        let alice = db
            .query::<Author>()
            .filter(Author::name.eq("Alice"))
            .options(selectin(Author::posts))
            .one()
            .await?;
        let first = alice.read()?.posts.loaded()?[0].clone();
        alice.remove(Author::posts, &first)?;
        db.commit().await?;
        // delete-orphan: the post is gone (its comments by ON DELETE CASCADE).
        let mut check = Session::new(b.engine.clone());
        assert_eq!(check.query::<Article>().count().await?, 2);
        assert_eq!(check.query::<Comment>().count().await?, 4);
        // Without delete-orphan, removing a child nulls its foreign key.
        let root = check.add(Node {
            name: "root".into(),
            ..Default::default()
        });
        let leaf = Obj::new(Node {
            name: "leaf".into(),
            ..Default::default()
        });
        root.append(Node::children, &leaf)?;
        check.flush().await?;
        assert_eq!(leaf.read()?.parent_id, Some(root.read()?.id));
        root.remove(Node::children, &leaf)?;
        check.commit().await?;
        check.refresh(&leaf).await?;
        assert_eq!(leaf.read()?.parent_id, None);
        assert_eq!(check.query::<Node>().count().await?, 2);
        Ok(())
    }

    pub async fn deleting_a_parent_cascades(b: &Backend) -> R {
        seed(b).await?;
        let mut db = Session::new(b.engine.clone());
        let alice = db
            .query::<Author>()
            .filter(Author::name.eq("Alice"))
            .one()
            .await?;
        db.delete(&alice)?;
        b.recorder.take();
        db.commit().await?;
        let q = b.recorder.queries();
        // The posts were loaded to be deleted (cascade delete); their
        // comments were left to ON DELETE CASCADE (passive_deletes).
        assert!(
            q.iter()
                .any(|s| s.starts_with("SELECT") && s.contains("rel_posts")),
            "{q:?}"
        );
        assert!(!q.iter().any(|s| s.contains("rel_comments")), "{q:?}");
        let mut check = Session::new(b.engine.clone());
        assert_eq!(check.query::<Author>().count().await?, 2);
        assert_eq!(check.query::<Article>().count().await?, 1);
        assert_eq!(check.query::<Comment>().count().await?, 2);
        Ok(())
    }

    pub async fn one_to_one_both_ways(b: &Backend) -> R {
        let mut db = Session::new(b.engine.clone());
        let alice = db.add(author("Alice"));
        let profile = Obj::new(Profile {
            bio: "writes".into(),
            ..Default::default()
        });
        profile.set(Profile::user, Some(&alice))?;
        assert!(alice.read()?.profile.get()? == Some(&profile));
        // As in SQLAlchemy 2.0, setting the back side does not add the
        // profile to alice's session: add it.
        db.add_obj(&profile)?;
        db.commit().await?;
        let mut db = Session::new(b.engine.clone());
        let a = db.query::<Author>().one().await?;
        db.load(&a, Author::profile).await?;
        let p = a.read()?.profile.get()?.cloned().expect("a profile");
        assert_eq!(p.read()?.bio, "writes");
        // The reverse side: a many-to-one already in the identity map.
        b.recorder.take();
        db.load(&p, Profile::user).await?;
        assert!(p.read()?.user.get()? == Some(&a));
        assert_eq!(selects(b), 0);
        Ok(())
    }

    pub async fn many_to_many_through_an_association_table(b: &Backend) -> R {
        let mut db = Session::new(b.engine.clone());
        let rust = db.add(Tag {
            name: "rust".into(),
            ..Default::default()
        });
        let sql = db.add(Tag {
            name: "sql".into(),
            ..Default::default()
        });
        let p1 = db.add(article("p1"));
        let p2 = db.add(article("p2"));
        let writer = db.add(Author {
            name: "Tagger".into(),
            ..Default::default()
        });
        writer.append(Author::posts, &p1)?;
        writer.append(Author::posts, &p2)?;
        p1.append(Article::tags, &rust)?;
        p1.append(Article::tags, &sql)?;
        p2.append(Article::tags, &sql)?;
        db.commit().await?;
        let mut db = Session::new(b.engine.clone());
        assert_eq!(db.query::<PostTag>().count().await?, 3);
        b.recorder.take();
        let posts = db
            .query::<Article>()
            .order_by(Article::id.asc())
            .options(selectin(Article::tags))
            .all()
            .await?;
        assert_eq!(selects(b), 2);
        let names = |p: &Obj<Article>| -> Result<Vec<String>, Error> {
            p.read()?
                .tags
                .loaded()?
                .iter()
                .map(|t| Ok(t.read()?.name.clone()))
                .collect()
        };
        assert_eq!(names(&posts[0])?, ["rust", "sql"]);
        assert_eq!(names(&posts[1])?, ["sql"]);
        // One tag object for both posts: the identity map.
        let sql0 = posts[0].read()?.tags.loaded()?[1].clone();
        assert!(posts[1].read()?.tags.loaded()?[0] == sql0);
        // Joined: one query, LEFT OUTER JOINs through the association table.
        let mut other = Session::new(b.engine.clone());
        b.recorder.take();
        let joined_posts = other
            .query::<Article>()
            .order_by(Article::id.asc())
            .options(joined(Article::tags))
            .all()
            .await?;
        assert_eq!(selects(b), 1);
        assert_eq!(joined_posts.len(), 2, "posts de-duplicated");
        assert_eq!(names(&joined_posts[0])?, ["rust", "sql"]);
        assert_eq!(names(&joined_posts[1])?, ["sql"]);
        let sql1 = joined_posts[0].read()?.tags.loaded()?[1].clone();
        assert!(joined_posts[1].read()?.tags.loaded()?[0] == sql1);
        other.close().await?;
        // Joined beneath selectin: the tags join the posts' query.
        let mut other = Session::new(b.engine.clone());
        b.recorder.take();
        let writers = other
            .query::<Author>()
            .filter(Author::name.eq("Tagger"))
            .options(selectin(Author::posts).joined(Article::tags))
            .all()
            .await?;
        assert_eq!(selects(b), 2);
        let their_posts = writers[0].read()?.posts.loaded()?.to_vec();
        assert_eq!(their_posts.len(), 2);
        assert_eq!(names(&their_posts[0])?, ["rust", "sql"]);
        assert_eq!(names(&their_posts[1])?, ["sql"]);
        other.close().await?;
        posts[0].remove(Article::tags, &sql0)?;
        db.commit().await?;
        let mut check = Session::new(b.engine.clone());
        assert_eq!(check.query::<PostTag>().count().await?, 2);
        // Deleting a post takes its association rows with it.
        let p = check
            .query::<Article>()
            .order_by(Article::id.asc())
            .first()
            .await?
            .expect("p1");
        check.delete(&p)?;
        check.commit().await?;
        assert_eq!(check.query::<PostTag>().count().await?, 1);
        Ok(())
    }

    pub async fn self_referential_tree(b: &Backend) -> R {
        let mut db = Session::new(b.engine.clone());
        let node = |n: &str| {
            Obj::new(Node {
                name: n.into(),
                ..Default::default()
            })
        };
        let root = node("root");
        let a = node("a");
        let b1 = node("b");
        let a1 = node("a1");
        // Built bottom-up, all new; adding the root cascades to its
        // children and theirs. Keys come in rounds, parents first.
        a.append(Node::children, &a1)?;
        root.append(Node::children, &a)?;
        root.append(Node::children, &b1)?;
        db.add_obj(&root)?;
        db.flush().await?;
        assert_eq!(root.state(), ObjectState::Persistent);
        assert_eq!(a.read()?.parent_id, Some(root.read()?.id));
        assert_eq!(a1.read()?.parent_id, Some(a.read()?.id));
        assert!(a1.read()?.parent.get()? == Some(&a));
        db.commit().await?;

        let mut db = Session::new(b.engine.clone());
        b.recorder.take();
        let roots = db
            .query::<Node>()
            .filter(Node::parent_id.is_null())
            .options(selectin(Node::children).selectin(Node::children))
            .all()
            .await?;
        assert_eq!(selects(b), 3);
        let root = &roots[0];
        let kids = root.read()?.children.loaded()?.to_vec();
        let names: Vec<String> = kids
            .iter()
            .map(|k| Ok(k.read()?.name.clone()))
            .collect::<Result<_, Error>>()?;
        assert_eq!(names, ["a", "b"]);
        let grandkids = kids[0].read()?.children.loaded()?.len();
        assert_eq!(grandkids, 1);
        // The children's parent: the identity map answers.
        db.load(&kids[0], Node::parent).await?;
        assert!(kids[0].read()?.parent.get()? == Some(root));
        assert_eq!(selects(b), 0);
        Ok(())
    }

    pub async fn lazy_loads_are_explicit_and_free_the_second_time(b: &Backend) -> R {
        seed(b).await?;
        let mut db = Session::new(b.engine.clone());
        let alice = db
            .query::<Author>()
            .filter(Author::name.eq("Alice"))
            .one()
            .await?;
        b.recorder.take();
        let e = alice.read()?.posts.loaded().map(|p| p.len()).unwrap_err();
        assert!(matches!(e, Error::NotLoaded { .. }), "{e}");
        db.load(&alice, Author::posts).await?;
        assert_eq!(selects(b), 1);
        db.load(&alice, Author::posts).await?;
        assert_eq!(selects(b), 0, "loaded already");
        let posts = alice.read()?.posts.loaded()?.to_vec();
        assert_eq!(titles(&posts)?, ["A1", "A2"]);
        // Many-to-one to an object the session holds: no query.
        db.load(&posts[0], Article::owner).await?;
        assert_eq!(selects(b), 0);
        assert!(posts[0].read()?.owner.get()? == Some(&alice));
        Ok(())
    }

    pub async fn selectin_loads_with_one_query_per_level(b: &Backend) -> R {
        seed(b).await?;
        let mut db = Session::new(b.engine.clone());
        let users = db
            .query::<Author>()
            .order_by(Author::id.asc())
            .options(selectin(Author::posts).selectin(Article::comments))
            .all()
            .await?;
        let queries = b.recorder.queries();
        let n = queries.iter().filter(|s| s.starts_with("SELECT")).count();
        assert_eq!(n, 3, "users, posts, comments");
        if b.engine.dialect().capabilities().arrays {
            // One key column against one array value: the same SQL text
            // whatever the number of keys.
            let anys = queries.iter().filter(|q| q.contains(" = ANY(")).count();
            assert_eq!(anys, 2, "{queries:?}");
        }
        let counts: Vec<usize> = users
            .iter()
            .map(|u| Ok(u.read()?.posts.loaded()?.len()))
            .collect::<Result<_, Error>>()?;
        assert_eq!(counts, [2, 1, 0]);
        let a1 = users[0].read()?.posts.loaded()?[0].clone();
        assert_eq!(a1.read()?.comments.loaded()?.len(), 2);
        Ok(())
    }

    pub async fn selectin_groups_unflushed_objects_by_their_current_keys(b: &Backend) -> R {
        seed(b).await?;
        let mut db = SessionMaker::new(b.engine.clone())
            .autoflush(false)
            .session();
        let alice = db
            .query::<Author>()
            .filter(Author::name.eq("Alice"))
            .one()
            .await?;
        let alice_id = alice.read()?.id;
        // B1 moves from Bob to Alice in memory only.
        let b1 = db
            .query::<Article>()
            .filter(Article::title.eq("B1"))
            .one()
            .await?;
        b1.write()?.owner_id = Some(alice_id);
        b.recorder.take();
        let users = db
            .query::<Author>()
            .order_by(Author::id.asc())
            .options(selectin(Author::posts))
            .all()
            .await?;
        assert_eq!(selects(b), 2);
        assert!(users[0] == alice);
        let posts: Vec<Vec<String>> = users
            .iter()
            .map(|u| titles(u.read()?.posts.loaded()?))
            .collect::<Result<_, Error>>()?;
        // The database still has B1 under Bob; the session's object, which
        // the load returns, is Alice's now.
        assert_eq!(posts, [vec!["A1", "A2", "B1"], vec![], vec![]]);
        assert!(users[0].read()?.posts.loaded()?[2] == b1);
        // Untracked, the rows are what the database holds.
        let plain = db
            .query::<Author>()
            .order_by(Author::id.asc())
            .options(selectin(Author::posts))
            .plain()
            .all()
            .await?;
        let counts: Vec<usize> = plain
            .iter()
            .map(|u| Ok(u.posts.loaded()?.len()))
            .collect::<Result<_, Error>>()?;
        assert_eq!(counts, [2, 1, 0]);
        db.close().await?;
        assert_eq!(b1.state(), ObjectState::Detached);
        assert_eq!(users[1].state(), ObjectState::Detached);
        Ok(())
    }

    pub async fn selectin_chunks_keys_under_the_bind_limit(b: &Backend) -> R {
        let mut db = Session::new(b.engine.clone());
        db.add_all((0..1001).map(|i| author(&format!("u{i}"))));
        db.commit().await?;
        b.recorder.take();
        let users = db
            .query::<Author>()
            .options(selectin(Author::posts))
            .all()
            .await?;
        assert_eq!(users.len(), 1001);
        if b.engine.dialect().capabilities().arrays {
            // One array of keys (`= ANY($1)`): one query for the posts.
            assert_eq!(selects(b), 1 + 1);
        } else {
            // 500 keys per IN list: three queries for the posts.
            assert_eq!(selects(b), 1 + 3);
        }
        assert!(users[1000].read()?.posts.loaded()?.is_empty());
        Ok(())
    }

    pub async fn joined_loads_in_one_query_and_respects_limit(b: &Backend) -> R {
        seed(b).await?;
        let mut db = Session::new(b.engine.clone());
        let users = db
            .query::<Author>()
            .order_by(Author::id.asc())
            .options(joined(Author::posts))
            .all()
            .await?;
        assert_eq!(selects(b), 1);
        assert_eq!(users.len(), 3, "parents de-duplicated");
        assert_eq!(titles(users[0].read()?.posts.loaded()?)?, ["A1", "A2"]);
        assert!(users[2].read()?.posts.loaded()?.is_empty());
        // LIMIT applies to users, not to joined rows.
        let mut db = Session::new(b.engine.clone());
        b.recorder.take();
        let two = db
            .query::<Author>()
            .order_by(Author::id.asc())
            .limit(2)
            .options(joined(Author::posts))
            .all()
            .await?;
        assert_eq!(selects(b), 1);
        assert_eq!(two.len(), 2);
        assert_eq!(two[0].read()?.posts.loaded()?.len(), 2);
        assert_eq!(two[1].read()?.posts.loaded()?.len(), 1);
        // Many-to-one, joined.
        let mut db = Session::new(b.engine.clone());
        b.recorder.take();
        let posts = db
            .query::<Article>()
            .options(joined(Article::owner))
            .all()
            .await?;
        assert_eq!(selects(b), 1);
        for p in &posts {
            assert!(p.read()?.owner.get()?.is_some());
        }
        Ok(())
    }

    pub async fn nested_options_mix_strategies(b: &Backend) -> R {
        seed(b).await?;
        // joined, then selectin beneath it: the users query, then comments.
        let mut db = Session::new(b.engine.clone());
        let users = db
            .query::<Author>()
            .order_by(Author::id.asc())
            .options(joined(Author::posts).selectin(Article::comments))
            .all()
            .await?;
        assert_eq!(selects(b), 2);
        let p = users[0].read()?.posts.loaded()?[1].clone();
        assert_eq!(p.read()?.comments.loaded()?.len(), 2);
        // selectin, then joined beneath it: the comments join the posts'
        // query.
        let mut db = Session::new(b.engine.clone());
        b.recorder.take();
        let users = db
            .query::<Author>()
            .options(selectin(Author::posts).joined(Article::comments))
            .all()
            .await?;
        assert_eq!(selects(b), 2);
        let total: usize = users
            .iter()
            .map(|u| {
                let posts = u.read()?.posts.loaded()?.to_vec();
                posts
                    .iter()
                    .map(|p| Ok(p.read()?.comments.loaded()?.len()))
                    .sum::<Result<usize, Error>>()
            })
            .sum::<Result<usize, Error>>()?;
        assert_eq!(total, 6);
        Ok(())
    }

    pub async fn joins_along_relationships_and_entities_with_columns(b: &Backend) -> R {
        seed(b).await?;
        let mut db = Session::new(b.engine.clone());
        let pairs: Vec<(String, String)> = db
            .query_as((Author::name, Article::title))
            .join_rel(Author::posts)
            .order_by(Article::id.asc())
            .all()
            .await?;
        let want = [("Alice", "A1"), ("Alice", "A2"), ("Bob", "B1")];
        assert_eq!(pairs, want.map(|(a, b)| (a.to_string(), b.to_string())));
        // An outer join keeps Carol.
        let n = db
            .query_as::<(String,)>(Author::name)
            .outer_join_rel(Author::posts)
            .count()
            .await?;
        assert_eq!(n, 4);
        // Entities and columns together: (post, its owner's name).
        let rows = db
            .query_with::<Article, (String,)>(Author::name)
            .join_rel(Article::owner)
            .order_by(Article::id.asc())
            .all()
            .await?;
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].0.read()?.title, "A1");
        assert_eq!(rows[0].1 .0, "Alice");
        let third = rows[2].0.read()?.id;
        assert!(db.get::<Article>(third).await?.expect("post") == rows[2].0);
        // Through an association table.
        let rust = db.add(Tag {
            name: "rust".into(),
            ..Default::default()
        });
        rows[1].0.append(Article::tags, &rust)?;
        db.flush().await?;
        let tagged = db
            .query::<Article>()
            .join_rel(Article::tags)
            .filter(Tag::name.eq("rust"))
            .all()
            .await?;
        assert_eq!(tagged.len(), 1);
        assert!(tagged[0] == rows[1].0);
        Ok(())
    }

    pub async fn raise_and_detached_objects_are_clear_errors(b: &Backend) -> R {
        seed(b).await?;
        let mut db = Session::new(b.engine.clone());
        let c = db.query::<Comment>().first().await?.expect("a comment");
        let e = db.load(&c, Comment::post).await.unwrap_err();
        assert!(matches!(e, Error::RaiseLoad { .. }), "{e}");
        assert!(e.to_string().contains("Comment.post"), "{e}");
        // Eagerly, it loads.
        let cs = db
            .query::<Comment>()
            .options(selectin(Comment::post))
            .all()
            .await?;
        assert!(cs[0].read()?.post.get()?.is_some());
        // A detached object's unloaded relationship is an error, not [].
        let a = db.query::<Author>().first().await?.expect("author");
        db.close().await?;
        assert_eq!(a.state(), ObjectState::Detached);
        let e = a.read()?.posts.loaded().map(|p| p.len()).unwrap_err();
        assert!(e.to_string().contains("detached"), "{e}");
        let e = db.load(&a, Author::posts).await.unwrap_err();
        assert!(matches!(e, Error::InvalidState { .. }), "{e}");
        Ok(())
    }
    /// Counts of the UPDATE, INSERT and DELETE statements sent.
    fn writes(b: &Backend) -> usize {
        b.recorder
            .queries()
            .iter()
            .filter(|s| {
                let u = s.to_ascii_uppercase();
                u.starts_with("UPDATE") || u.starts_with("INSERT") || u.starts_with("DELETE")
            })
            .count()
    }

    pub async fn plain_queries_load_relationships_untracked(b: &Backend) -> R {
        seed(b).await?;
        let mut db = Session::new(b.engine.clone());
        let users: Vec<Author> = db
            .query::<Author>()
            .order_by(Author::id.asc())
            .options(selectin(Author::posts).selectin(Article::comments))
            .plain()
            .all()
            .await?;
        // The same statements as the tracked query: users, posts, comments.
        let queries = b.recorder.queries();
        let n = queries.iter().filter(|s| s.starts_with("SELECT")).count();
        assert_eq!(n, 3, "users, posts, comments: {queries:?}");
        let names: Vec<&str> = users.iter().map(|u| u.name.as_str()).collect();
        assert_eq!(names, ["Alice", "Bob", "Carol"]);
        let counts: Vec<usize> = users
            .iter()
            .map(|u| Ok(u.posts.loaded()?.len()))
            .collect::<Result<_, Error>>()?;
        assert_eq!(counts, [2, 1, 0]);
        assert_eq!(titles(users[0].posts.loaded()?)?, ["A1", "A2"]);
        let a1 = users[0].posts.loaded()?[0].clone();
        let bodies: Vec<String> = a1
            .read()?
            .comments
            .loaded()?
            .iter()
            .map(|c| Ok(c.read()?.body.clone()))
            .collect::<Result<_, Error>>()?;
        assert_eq!(bodies, ["A1-c0", "A1-c1"]);
        // Untracked: detached from the start, in no identity map, with the
        // key of their row; a relationship no option named is unloaded.
        assert_eq!(db.len(), 0, "nothing entered the identity map");
        assert_eq!(a1.state(), ObjectState::Detached);
        assert!(!db.contains(&a1));
        let a1_id = a1.read()?.id;
        assert_eq!(a1.key(), Some(a1_id.into_key()));
        assert!(a1.read()?.owner.get().is_err(), "owner was not loaded");
        let e = db.load(&a1, Article::owner).await.unwrap_err();
        assert!(matches!(e, Error::InvalidState { .. }), "{e}");
        // The session never flushes them: a change stays in memory.
        a1.write()?.title = "changed".into();
        assert!(!db.has_changes());
        db.commit().await?;
        assert_eq!(writes(b), 0);
        let mut check = Session::new(b.engine.clone());
        let stored = check.get::<Article>(a1_id).await?.expect("a1");
        assert_eq!(stored.read()?.title, "A1");
        // The same objects, tracked, come from a tracked query.
        let tracked = check
            .query::<Author>()
            .order_by(Author::id.asc())
            .options(selectin(Author::posts))
            .all()
            .await?;
        assert_eq!(titles(tracked[0].read()?.posts.loaded()?)?, ["A1", "A2"]);
        assert!(tracked[0].read()?.posts.loaded()?[0] == stored);
        Ok(())
    }

    pub async fn plain_joined_loads_deduplicate_and_respect_limit(b: &Backend) -> R {
        seed(b).await?;
        let mut db = Session::new(b.engine.clone());
        let users = db
            .query::<Author>()
            .order_by(Author::id.asc())
            .options(joined(Author::posts))
            .plain()
            .all()
            .await?;
        assert_eq!(selects(b), 1);
        assert_eq!(users.len(), 3, "parents de-duplicated");
        assert_eq!(titles(users[0].posts.loaded()?)?, ["A1", "A2"]);
        assert_eq!(titles(users[1].posts.loaded()?)?, ["B1"]);
        assert!(users[2].posts.loaded()?.is_empty());
        // LIMIT counts users, not joined rows.
        let two = db
            .query::<Author>()
            .order_by(Author::id.asc())
            .limit(2)
            .options(joined(Author::posts))
            .plain()
            .all()
            .await?;
        assert_eq!(selects(b), 1);
        assert_eq!(two.len(), 2);
        assert_eq!(two[0].posts.loaded()?.len(), 2);
        assert_eq!(two[1].posts.loaded()?.len(), 1);
        // first() is the query with LIMIT 1, joined rows and all.
        let first = db
            .query::<Author>()
            .order_by(Author::id.asc())
            .options(joined(Author::posts))
            .plain()
            .first()
            .await?
            .expect("alice");
        assert_eq!(first.posts.loaded()?.len(), 2);
        // Many-to-one, joined: the posts of one owner share one object.
        b.recorder.take();
        let posts = db
            .query::<Article>()
            .order_by(Article::id.asc())
            .options(joined(Article::owner))
            .plain()
            .all()
            .await?;
        assert_eq!(selects(b), 1);
        assert_eq!(posts.len(), 3);
        let owner = |i: usize| posts[i].owner.get().map(|o| o.cloned());
        let (a, a2, bob) = (
            owner(0)?.expect("A1's"),
            owner(1)?.expect("A2's"),
            owner(2)?,
        );
        assert!(a == a2, "one row, one object within the load");
        assert_eq!(a.read()?.name, "Alice");
        assert_eq!(bob.expect("B1's").read()?.name, "Bob");
        assert_eq!(db.len(), 0);
        Ok(())
    }

    pub async fn plain_loads_nest_strategies_and_share_rows_within_a_load(b: &Backend) -> R {
        seed(b).await?;
        let mut db = Session::new(b.engine.clone());
        // selectin, then joined beneath it: the comments join the posts'
        // query, and each post is one object however many comments it has.
        let users = db
            .query::<Author>()
            .order_by(Author::id.asc())
            .options(selectin(Author::posts).joined(Article::comments))
            .plain()
            .all()
            .await?;
        assert_eq!(selects(b), 2);
        assert_eq!(titles(users[0].posts.loaded()?)?, ["A1", "A2"]);
        for (u, want) in users.iter().zip([[2, 2].as_slice(), &[2], &[]]) {
            let got: Vec<usize> = u
                .posts
                .loaded()?
                .iter()
                .map(|p| Ok(p.read()?.comments.loaded()?.len()))
                .collect::<Result<_, Error>>()?;
            assert_eq!(got, want);
        }
        // joined, then selectin beneath it.
        let users = db
            .query::<Author>()
            .order_by(Author::id.asc())
            .options(joined(Author::posts).selectin(Article::comments))
            .plain()
            .all()
            .await?;
        assert_eq!(selects(b), 2);
        let b1 = users[1].posts.loaded()?[0].clone();
        assert_eq!(b1.read()?.comments.loaded()?.len(), 2);
        // Many-to-many: a tag on two posts is one object in that load.
        db.close().await?;
        let mut tags = Session::new(b.engine.clone());
        let rust = tags.add(Tag {
            name: "rust".into(),
            ..Default::default()
        });
        let sql = tags.add(Tag {
            name: "sql".into(),
            ..Default::default()
        });
        let posts = tags
            .query::<Article>()
            .order_by(Article::id.asc())
            .all()
            .await?;
        posts[0].append(Article::tags, &rust)?;
        posts[0].append(Article::tags, &sql)?;
        posts[1].append(Article::tags, &rust)?;
        tags.commit().await?;
        b.recorder.take();
        let posts = db
            .query::<Article>()
            .order_by(Article::id.asc())
            .options(selectin(Article::tags))
            .plain()
            .all()
            .await?;
        assert_eq!(selects(b), 2);
        let names = |i: usize| -> Result<Vec<String>, Error> {
            posts[i]
                .tags
                .loaded()?
                .iter()
                .map(|t| Ok(t.read()?.name.clone()))
                .collect()
        };
        assert_eq!(names(0)?, ["rust", "sql"]);
        assert_eq!(names(1)?, ["rust"]);
        assert!(names(2)?.is_empty());
        assert!(posts[0].tags.loaded()?[0] == posts[1].tags.loaded()?[0]);
        assert_eq!(db.len(), 0);
        Ok(())
    }

    pub async fn plain_loads_apply_eager_defaults_and_report_mistakes(b: &Backend) -> R {
        seed(b).await?;
        let mut db = Session::new(b.engine.clone());
        for (label, books) in [("fiction", &["Dune", "Emma"][..]), ("empty", &[])] {
            let shelf = db.add(Shelf {
                label: label.into(),
                ..Default::default()
            });
            for t in books {
                let book = db.add(Book {
                    title: t.to_string(),
                    ..Default::default()
                });
                shelf.append(Shelf::books, &book)?;
            }
        }
        db.commit().await?;
        b.recorder.take();
        // lazy = "selectin" on Shelf::books: loaded without an option,
        // tracked or not.
        let mut db = Session::new(b.engine.clone());
        let shelves = db
            .query::<Shelf>()
            .order_by(Shelf::id.asc())
            .plain()
            .all()
            .await?;
        assert_eq!(selects(b), 2);
        let count = |s: &Shelf| s.books.loaded().map(<[_]>::len);
        assert_eq!(count(&shelves[0])?, 2);
        assert_eq!(count(&shelves[1])?, 0);
        let tracked = db.query::<Shelf>().order_by(Shelf::id.asc()).all().await?;
        assert_eq!(selects(b), 2);
        assert_eq!(count(&*tracked[0].read()?)?, 2);
        // Without relationships, plain() is one SELECT, as before.
        let books = db.query::<Book>().plain().all().await?;
        assert_eq!((books.len(), selects(b)), (2, 1));
        // An option for another model's relationship is an error.
        let e = db
            .query::<Shelf>()
            .options(selectin(Article::comments))
            .plain()
            .all()
            .await
            .unwrap_err();
        assert!(matches!(e, Error::Relationship { .. }), "{e}");
        assert!(e.to_string().contains("Article.comments"), "{e}");
        // A plain value's relationship that nothing loaded is an error,
        // never an empty list.
        let authors = db.query::<Author>().plain().all().await?;
        assert_eq!(authors.len(), 3);
        let e = authors[0].posts.loaded().map(<[_]>::len).unwrap_err();
        assert!(matches!(e, Error::NotLoaded { .. }), "{e}");
        Ok(())
    }
}
