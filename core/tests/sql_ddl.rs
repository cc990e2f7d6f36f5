//! Snapshots of DDL compiled for SQLite, PostgreSQL and MySQL.

mod common;

use aludel_core::schema::TableBuilder;
use aludel_core::{
    col, create_all, create_index, create_table, drop_all, drop_index, drop_table, text,
    Autoincrement, Column, FkAction, ForeignKey, Index, MetaData, NamingConvention, SqlType, Table,
};
use common::*;
use expect_test::expect;

#[test]
fn create_all_of_the_blog_schema() {
    let b = blog();
    check_plan(
        |d| create_all(&b.md, d, false),
        WITH_MARIADB,
        expect![[r#"
        sqlite:     CREATE TABLE categories (
                    	id INTEGER NOT NULL,
                    	name VARCHAR(50) NOT NULL,
                    	parent_id INTEGER,
                    	PRIMARY KEY (id),
                    	FOREIGN KEY(parent_id) REFERENCES categories (id)
                    );
                    CREATE TABLE users (
                    	id INTEGER NOT NULL,
                    	name VARCHAR(50) NOT NULL,
                    	email VARCHAR(100),
                    	PRIMARY KEY (id),
                    	UNIQUE (email)
                    );
                    CREATE TABLE posts (
                    	id INTEGER NOT NULL,
                    	title VARCHAR(200) NOT NULL,
                    	content TEXT,
                    	owner_id INTEGER,
                    	score INTEGER,
                    	created_at DATETIME,
                    	PRIMARY KEY (id),
                    	FOREIGN KEY(owner_id) REFERENCES users (id)
                    );
        postgresql: CREATE TABLE categories (
                    	id SERIAL NOT NULL,
                    	name VARCHAR(50) NOT NULL,
                    	parent_id INTEGER,
                    	PRIMARY KEY (id),
                    	FOREIGN KEY(parent_id) REFERENCES categories (id)
                    );
                    CREATE TABLE users (
                    	id SERIAL NOT NULL,
                    	name VARCHAR(50) NOT NULL,
                    	email VARCHAR(100),
                    	PRIMARY KEY (id),
                    	UNIQUE (email)
                    );
                    CREATE TABLE posts (
                    	id SERIAL NOT NULL,
                    	title VARCHAR(200) NOT NULL,
                    	content TEXT,
                    	owner_id INTEGER,
                    	score INTEGER,
                    	created_at TIMESTAMP WITHOUT TIME ZONE,
                    	PRIMARY KEY (id),
                    	FOREIGN KEY(owner_id) REFERENCES users (id)
                    );
        mysql:      CREATE TABLE categories (
                    	id INTEGER NOT NULL AUTO_INCREMENT,
                    	name VARCHAR(50) NOT NULL,
                    	parent_id INTEGER,
                    	PRIMARY KEY (id),
                    	FOREIGN KEY(parent_id) REFERENCES categories (id)
                    );
                    CREATE TABLE users (
                    	id INTEGER NOT NULL AUTO_INCREMENT,
                    	name VARCHAR(50) NOT NULL,
                    	email VARCHAR(100),
                    	PRIMARY KEY (id),
                    	UNIQUE (email)
                    );
                    CREATE TABLE posts (
                    	id INTEGER NOT NULL AUTO_INCREMENT,
                    	title VARCHAR(200) NOT NULL,
                    	content TEXT,
                    	owner_id INTEGER,
                    	score INTEGER,
                    	created_at DATETIME,
                    	PRIMARY KEY (id),
                    	FOREIGN KEY(owner_id) REFERENCES users (id)
                    );
        mariadb:    CREATE TABLE categories (
                    	id INTEGER NOT NULL AUTO_INCREMENT,
                    	name VARCHAR(50) NOT NULL,
                    	parent_id INTEGER,
                    	PRIMARY KEY (id),
                    	FOREIGN KEY(parent_id) REFERENCES categories (id)
                    );
                    CREATE TABLE users (
                    	id INTEGER NOT NULL AUTO_INCREMENT,
                    	name VARCHAR(50) NOT NULL,
                    	email VARCHAR(100),
                    	PRIMARY KEY (id),
                    	UNIQUE (email)
                    );
                    CREATE TABLE posts (
                    	id INTEGER NOT NULL AUTO_INCREMENT,
                    	title VARCHAR(200) NOT NULL,
                    	content TEXT,
                    	owner_id INTEGER,
                    	score INTEGER,
                    	created_at DATETIME,
                    	PRIMARY KEY (id),
                    	FOREIGN KEY(owner_id) REFERENCES users (id)
                    );
    "#]],
    );
}

#[test]
fn create_all_of_the_extra_fixtures() {
    let x = extras();
    check_plan(
        |d| create_all(&x.md, d, false),
        WITH_MARIADB,
        expect![[r#"
        sqlite:     CREATE TABLE memberships (
                    	user_id INTEGER NOT NULL,
                    	group_id INTEGER NOT NULL,
                    	role VARCHAR(20) NOT NULL,
                    	joined_at DATETIME,
                    	PRIMARY KEY (user_id, group_id),
                    	FOREIGN KEY(user_id) REFERENCES users (id)
                    );
                    CREATE TABLE messages (
                    	id INTEGER NOT NULL,
                    	sender_id INTEGER,
                    	recipient_id INTEGER,
                    	body TEXT,
                    	PRIMARY KEY (id),
                    	FOREIGN KEY(sender_id) REFERENCES users (id),
                    	FOREIGN KEY(recipient_id) REFERENCES users (id)
                    );
                    CREATE TABLE "user" (
                    	id INTEGER NOT NULL,
                    	"order" INTEGER,
                    	"UserName" VARCHAR(50),
                    	"first name" VARCHAR(50),
                    	"2fa" BOOLEAN,
                    	"say ""hi""" TEXT,
                    	"tick`s" TEXT,
                    	PRIMARY KEY (id)
                    );
        postgresql: CREATE TABLE memberships (
                    	user_id INTEGER NOT NULL,
                    	group_id INTEGER NOT NULL,
                    	role VARCHAR(20) NOT NULL,
                    	joined_at TIMESTAMP WITHOUT TIME ZONE,
                    	PRIMARY KEY (user_id, group_id),
                    	FOREIGN KEY(user_id) REFERENCES users (id)
                    );
                    CREATE TABLE messages (
                    	id SERIAL NOT NULL,
                    	sender_id INTEGER,
                    	recipient_id INTEGER,
                    	body TEXT,
                    	PRIMARY KEY (id),
                    	FOREIGN KEY(sender_id) REFERENCES users (id),
                    	FOREIGN KEY(recipient_id) REFERENCES users (id)
                    );
                    CREATE TABLE "user" (
                    	id SERIAL NOT NULL,
                    	"order" INTEGER,
                    	"UserName" VARCHAR(50),
                    	"first name" VARCHAR(50),
                    	"2fa" BOOLEAN,
                    	"say ""hi""" TEXT,
                    	"tick`s" TEXT,
                    	PRIMARY KEY (id)
                    );
        mysql:      CREATE TABLE memberships (
                    	user_id INTEGER NOT NULL,
                    	group_id INTEGER NOT NULL,
                    	role VARCHAR(20) NOT NULL,
                    	joined_at DATETIME,
                    	PRIMARY KEY (user_id, group_id),
                    	FOREIGN KEY(user_id) REFERENCES users (id)
                    );
                    CREATE TABLE messages (
                    	id INTEGER NOT NULL AUTO_INCREMENT,
                    	sender_id INTEGER,
                    	recipient_id INTEGER,
                    	body TEXT,
                    	PRIMARY KEY (id),
                    	FOREIGN KEY(sender_id) REFERENCES users (id),
                    	FOREIGN KEY(recipient_id) REFERENCES users (id)
                    );
                    CREATE TABLE `user` (
                    	id INTEGER NOT NULL AUTO_INCREMENT,
                    	`order` INTEGER,
                    	`UserName` VARCHAR(50),
                    	`first name` VARCHAR(50),
                    	`2fa` BOOL,
                    	`say "hi"` TEXT,
                    	`tick``s` TEXT,
                    	PRIMARY KEY (id)
                    );
        mariadb:    CREATE TABLE memberships (
                    	user_id INTEGER NOT NULL,
                    	group_id INTEGER NOT NULL,
                    	role VARCHAR(20) NOT NULL,
                    	joined_at DATETIME,
                    	PRIMARY KEY (user_id, group_id),
                    	FOREIGN KEY(user_id) REFERENCES users (id)
                    );
                    CREATE TABLE messages (
                    	id INTEGER NOT NULL AUTO_INCREMENT,
                    	sender_id INTEGER,
                    	recipient_id INTEGER,
                    	body TEXT,
                    	PRIMARY KEY (id),
                    	FOREIGN KEY(sender_id) REFERENCES users (id),
                    	FOREIGN KEY(recipient_id) REFERENCES users (id)
                    );
                    CREATE TABLE `user` (
                    	id INTEGER NOT NULL AUTO_INCREMENT,
                    	`order` INTEGER,
                    	`UserName` VARCHAR(50),
                    	`first name` VARCHAR(50),
                    	`2fa` BOOL,
                    	`say "hi"` TEXT,
                    	`tick``s` TEXT,
                    	PRIMARY KEY (id)
                    );
    "#]],
    );
}

#[test]
fn create_all_of_the_postgres_fixtures() {
    let (md, _) = documents();
    check_plan(
        |d| create_all(&md, d, false),
        WITH_MARIADB,
        expect![[r#"
        sqlite:     error: ARRAY types is not supported by the sqlite dialect
        postgresql: CREATE TYPE doc_status AS ENUM ('draft', 'published');
                    CREATE TABLE documents (
                    	id SERIAL NOT NULL,
                    	status doc_status,
                    	tags TEXT[],
                    	scores INTEGER[],
                    	PRIMARY KEY (id)
                    );
        mysql:      error: ARRAY types is not supported by the mysql dialect
        mariadb:    error: ARRAY types is not supported by the mariadb dialect
    "#]],
    );
}

fn one_table(builder: TableBuilder) -> MetaData {
    let mut md = MetaData::new();
    md.add(builder).expect("fixture table");
    md
}

#[test]
fn every_portable_type() {
    let md = one_table(
        Table::builder("everything")
            .column(Column::new("id", SqlType::Integer).primary_key())
            .column(Column::new("small", SqlType::SmallInt))
            .column(Column::new("big", SqlType::BigInt))
            .column(Column::new("flag", SqlType::Boolean))
            .column(Column::new("ratio", SqlType::Float))
            .column(Column::new("precise", SqlType::Double))
            .column(Column::new("money", SqlType::numeric(10, 2)))
            .column(Column::new(
                "digits",
                SqlType::Numeric {
                    precision: Some(8),
                    scale: None,
                },
            ))
            .column(Column::new(
                "any_number",
                SqlType::Numeric {
                    precision: None,
                    scale: None,
                },
            ))
            .column(Column::new("label", SqlType::string(40)))
            .column(Column::new("body", SqlType::Text))
            .column(Column::new("raw", SqlType::Bytes))
            .column(Column::new("day", SqlType::Date))
            .column(Column::new("at", SqlType::Time))
            .column(Column::new("stamp", SqlType::DateTime))
            .column(Column::new("stamp_tz", SqlType::DateTimeTz))
            .column(Column::new("uid", SqlType::Uuid))
            .column(Column::new("doc", SqlType::Json))
            .column(Column::new("docb", SqlType::JsonB))
            .column(Column::new(
                "mood",
                SqlType::enumeration("mood", ["happy", "sad", "it's complicated"]),
            ))
            .column(Column::new("code", SqlType::Custom("CHAR(3)".into()))),
    );
    check_plan(
        |d| create_all(&md, d, false),
        WITH_MARIADB,
        expect![[r#"
        sqlite:     CREATE TABLE everything (
                    	id INTEGER NOT NULL,
                    	small SMALLINT,
                    	big BIGINT,
                    	flag BOOLEAN,
                    	ratio FLOAT,
                    	precise DOUBLE,
                    	money NUMERIC(10, 2),
                    	digits NUMERIC(8),
                    	any_number NUMERIC,
                    	label VARCHAR(40),
                    	body TEXT,
                    	raw BLOB,
                    	day DATE,
                    	at TIME,
                    	stamp DATETIME,
                    	stamp_tz DATETIME,
                    	uid CHAR(32),
                    	doc JSON,
                    	docb JSON,
                    	mood VARCHAR(16),
                    	code CHAR(3),
                    	PRIMARY KEY (id)
                    );
        postgresql: CREATE TYPE mood AS ENUM ('happy', 'sad', 'it''s complicated');
                    CREATE TABLE everything (
                    	id SERIAL NOT NULL,
                    	small SMALLINT,
                    	big BIGINT,
                    	flag BOOLEAN,
                    	ratio REAL,
                    	precise DOUBLE PRECISION,
                    	money NUMERIC(10, 2),
                    	digits NUMERIC(8),
                    	any_number NUMERIC,
                    	label VARCHAR(40),
                    	body TEXT,
                    	raw BYTEA,
                    	day DATE,
                    	at TIME WITHOUT TIME ZONE,
                    	stamp TIMESTAMP WITHOUT TIME ZONE,
                    	stamp_tz TIMESTAMP WITH TIME ZONE,
                    	uid UUID,
                    	doc JSON,
                    	docb JSONB,
                    	mood mood,
                    	code CHAR(3),
                    	PRIMARY KEY (id)
                    );
        mysql:      CREATE TABLE everything (
                    	id INTEGER NOT NULL AUTO_INCREMENT,
                    	small SMALLINT,
                    	big BIGINT,
                    	flag BOOL,
                    	ratio FLOAT,
                    	precise DOUBLE,
                    	money NUMERIC(10, 2),
                    	digits NUMERIC(8),
                    	any_number NUMERIC,
                    	label VARCHAR(40),
                    	body TEXT,
                    	raw BLOB,
                    	day DATE,
                    	at TIME,
                    	stamp DATETIME,
                    	stamp_tz DATETIME,
                    	uid CHAR(32),
                    	doc JSON,
                    	docb JSON,
                    	mood ENUM('happy', 'sad', 'it''s complicated'),
                    	code CHAR(3),
                    	PRIMARY KEY (id)
                    );
        mariadb:    CREATE TABLE everything (
                    	id INTEGER NOT NULL AUTO_INCREMENT,
                    	small SMALLINT,
                    	big BIGINT,
                    	flag BOOL,
                    	ratio FLOAT,
                    	precise DOUBLE,
                    	money NUMERIC(10, 2),
                    	digits NUMERIC(8),
                    	any_number NUMERIC,
                    	label VARCHAR(40),
                    	body TEXT,
                    	raw BLOB,
                    	day DATE,
                    	at TIME,
                    	stamp DATETIME,
                    	stamp_tz DATETIME,
                    	uid CHAR(32),
                    	doc JSON,
                    	docb JSON,
                    	mood ENUM('happy', 'sad', 'it''s complicated'),
                    	code CHAR(3),
                    	PRIMARY KEY (id)
                    );
    "#]],
    );
}

#[test]
fn varchar_without_length_is_an_error_on_mysql() {
    let md = one_table(
        Table::builder("notes")
            .column(Column::new("id", SqlType::Integer).primary_key())
            .column(Column::new("note", SqlType::String(None))),
    );
    check_plan(
        |d| create_all(&md, d, false),
        DIALECTS,
        expect![[r#"
        sqlite:     CREATE TABLE notes (
                    	id INTEGER NOT NULL,
                    	note VARCHAR,
                    	PRIMARY KEY (id)
                    );
        postgresql: CREATE TABLE notes (
                    	id SERIAL NOT NULL,
                    	note VARCHAR,
                    	PRIMARY KEY (id)
                    );
        mysql:      error: VARCHAR without a length is not supported by the mysql dialect
    "#]],
    );
}

#[test]
fn arrays_only_on_postgres() {
    let md = one_table(
        Table::builder("bags")
            .column(Column::new("id", SqlType::Integer).primary_key())
            .column(Column::new("tags", SqlType::array(SqlType::string(20))))
            .column(Column::new(
                "grid",
                SqlType::array(SqlType::array(SqlType::Integer)),
            )),
    );
    check_plan(
        |d| create_all(&md, d, false),
        DIALECTS,
        expect![[r#"
        sqlite:     error: ARRAY types is not supported by the sqlite dialect
        postgresql: CREATE TABLE bags (
                    	id SERIAL NOT NULL,
                    	tags VARCHAR(20)[],
                    	grid INTEGER[][],
                    	PRIMARY KEY (id)
                    );
        mysql:      error: ARRAY types is not supported by the mysql dialect
    "#]],
    );
}

#[test]
fn enum_type_shared_by_two_tables_is_created_once_and_dropped_after_them() {
    let status = || SqlType::enumeration("status", ["on", "off"]);
    let mut md = MetaData::new();
    md.add(
        Table::builder("lamps")
            .column(Column::new("id", SqlType::Integer).primary_key())
            .column(Column::new("state", status()).not_null()),
    )
    .unwrap();
    md.add(
        Table::builder("fans")
            .column(Column::new("id", SqlType::Integer).primary_key())
            .column(Column::new("state", status()).server_default("off")),
    )
    .unwrap();
    check_plan(
        |d| create_all(&md, d, false),
        DIALECTS,
        expect![[r#"
        sqlite:     CREATE TABLE fans (
                    	id INTEGER NOT NULL,
                    	state VARCHAR(3) DEFAULT 'off',
                    	PRIMARY KEY (id)
                    );
                    CREATE TABLE lamps (
                    	id INTEGER NOT NULL,
                    	state VARCHAR(3) NOT NULL,
                    	PRIMARY KEY (id)
                    );
        postgresql: CREATE TYPE status AS ENUM ('on', 'off');
                    CREATE TABLE fans (
                    	id SERIAL NOT NULL,
                    	state status DEFAULT 'off',
                    	PRIMARY KEY (id)
                    );
                    CREATE TABLE lamps (
                    	id SERIAL NOT NULL,
                    	state status NOT NULL,
                    	PRIMARY KEY (id)
                    );
        mysql:      CREATE TABLE fans (
                    	id INTEGER NOT NULL AUTO_INCREMENT,
                    	state ENUM('on', 'off') DEFAULT 'off',
                    	PRIMARY KEY (id)
                    );
                    CREATE TABLE lamps (
                    	id INTEGER NOT NULL AUTO_INCREMENT,
                    	state ENUM('on', 'off') NOT NULL,
                    	PRIMARY KEY (id)
                    );
    "#]],
    );
    check_plan(
        |d| drop_all(&md, d, false),
        DIALECTS,
        expect![[r#"
        sqlite:     DROP TABLE lamps;
                    DROP TABLE fans;
        postgresql: DROP TABLE lamps;
                    DROP TABLE fans;
                    DROP TYPE status;
        mysql:      DROP TABLE lamps;
                    DROP TABLE fans;
    "#]],
    );
}

#[test]
fn enum_declared_twice_with_different_values_is_an_error_on_postgres() {
    let mut md = MetaData::new();
    md.add(
        Table::builder("a")
            .column(Column::new("id", SqlType::Integer).primary_key())
            .column(Column::new("s", SqlType::enumeration("status", ["x", "y"]))),
    )
    .unwrap();
    md.add(
        Table::builder("b")
            .column(Column::new("id", SqlType::Integer).primary_key())
            .column(Column::new("s", SqlType::enumeration("status", ["x", "z"]))),
    )
    .unwrap();
    check_plan(
        |d| create_all(&md, d, false),
        &["postgresql"],
        expect![[r#"
        postgresql: error: invalid schema: enum type status is declared twice with different values (["x", "z"] and ["x", "y"])
    "#]],
    );
}

#[test]
fn composite_primary_and_foreign_keys_with_actions() {
    let mut md = MetaData::new();
    md.add(
        Table::builder("orders")
            .column(Column::new("tenant_id", SqlType::Integer))
            .column(Column::new("id", SqlType::Integer))
            .column(Column::new("placed_at", SqlType::DateTime).not_null())
            .primary_key(["tenant_id", "id"]),
    )
    .unwrap();
    md.add(
        Table::builder("order_lines")
            .column(Column::new("tenant_id", SqlType::Integer))
            .column(Column::new("order_id", SqlType::Integer))
            .column(Column::new("line_no", SqlType::SmallInt))
            .column(Column::new("sku", SqlType::string(20)).not_null())
            .primary_key(["tenant_id", "order_id", "line_no"])
            .foreign_key(
                ForeignKey::new(["tenant_id", "order_id"], "orders", ["tenant_id", "id"])
                    .name("fk_lines_order")
                    .on_delete(FkAction::Cascade)
                    .on_update(FkAction::Restrict),
            ),
    )
    .unwrap();
    check_plan(
        |d| create_all(&md, d, false),
        DIALECTS,
        expect![[r#"
        sqlite:     CREATE TABLE orders (
                    	tenant_id INTEGER NOT NULL,
                    	id INTEGER NOT NULL,
                    	placed_at DATETIME NOT NULL,
                    	PRIMARY KEY (tenant_id, id)
                    );
                    CREATE TABLE order_lines (
                    	tenant_id INTEGER NOT NULL,
                    	order_id INTEGER NOT NULL,
                    	line_no SMALLINT NOT NULL,
                    	sku VARCHAR(20) NOT NULL,
                    	PRIMARY KEY (tenant_id, order_id, line_no),
                    	CONSTRAINT fk_lines_order FOREIGN KEY(tenant_id, order_id) REFERENCES orders (tenant_id, id) ON DELETE CASCADE ON UPDATE RESTRICT
                    );
        postgresql: CREATE TABLE orders (
                    	tenant_id INTEGER NOT NULL,
                    	id INTEGER NOT NULL,
                    	placed_at TIMESTAMP WITHOUT TIME ZONE NOT NULL,
                    	PRIMARY KEY (tenant_id, id)
                    );
                    CREATE TABLE order_lines (
                    	tenant_id INTEGER NOT NULL,
                    	order_id INTEGER NOT NULL,
                    	line_no SMALLINT NOT NULL,
                    	sku VARCHAR(20) NOT NULL,
                    	PRIMARY KEY (tenant_id, order_id, line_no),
                    	CONSTRAINT fk_lines_order FOREIGN KEY(tenant_id, order_id) REFERENCES orders (tenant_id, id) ON DELETE CASCADE ON UPDATE RESTRICT
                    );
        mysql:      CREATE TABLE orders (
                    	tenant_id INTEGER NOT NULL,
                    	id INTEGER NOT NULL,
                    	placed_at DATETIME NOT NULL,
                    	PRIMARY KEY (tenant_id, id)
                    );
                    CREATE TABLE order_lines (
                    	tenant_id INTEGER NOT NULL,
                    	order_id INTEGER NOT NULL,
                    	line_no SMALLINT NOT NULL,
                    	sku VARCHAR(20) NOT NULL,
                    	PRIMARY KEY (tenant_id, order_id, line_no),
                    	CONSTRAINT fk_lines_order FOREIGN KEY(tenant_id, order_id) REFERENCES orders (tenant_id, id) ON DELETE CASCADE ON UPDATE RESTRICT
                    );
    "#]],
    );
}

#[test]
fn column_foreign_key_actions() {
    let mut md = MetaData::new();
    md.add(
        Table::builder("comments")
            .column(Column::new("id", SqlType::BigInt).primary_key())
            .column(
                Column::new("post_id", SqlType::Integer)
                    .not_null()
                    .foreign_key("posts.id")
                    .on_delete(FkAction::Cascade),
            )
            .column(
                Column::new("author_id", SqlType::Integer)
                    .foreign_key("users.id")
                    .on_delete(FkAction::SetNull)
                    .on_update(FkAction::NoAction),
            ),
    )
    .unwrap();
    // posts and users are the blog's: only this table is created here.
    let comments = md.table("comments").unwrap().clone();
    check_plan(
        |_| Ok(vec![create_table(&comments)]),
        DIALECTS,
        expect![[r#"
            sqlite:     CREATE TABLE comments (
                        	id INTEGER NOT NULL,
                        	post_id INTEGER NOT NULL,
                        	author_id INTEGER,
                        	PRIMARY KEY (id),
                        	FOREIGN KEY(post_id) REFERENCES posts (id) ON DELETE CASCADE,
                        	FOREIGN KEY(author_id) REFERENCES users (id) ON DELETE SET NULL ON UPDATE NO ACTION
                        );
            postgresql: CREATE TABLE comments (
                        	id BIGSERIAL NOT NULL,
                        	post_id INTEGER NOT NULL,
                        	author_id INTEGER,
                        	PRIMARY KEY (id),
                        	FOREIGN KEY(post_id) REFERENCES posts (id) ON DELETE CASCADE,
                        	FOREIGN KEY(author_id) REFERENCES users (id) ON DELETE SET NULL ON UPDATE NO ACTION
                        );
            mysql:      CREATE TABLE comments (
                        	id BIGINT NOT NULL AUTO_INCREMENT,
                        	post_id INTEGER NOT NULL,
                        	author_id INTEGER,
                        	PRIMARY KEY (id),
                        	FOREIGN KEY(post_id) REFERENCES posts (id) ON DELETE CASCADE,
                        	FOREIGN KEY(author_id) REFERENCES users (id) ON DELETE SET NULL ON UPDATE NO ACTION
                        );
        "#]],
    );
}

#[test]
fn unique_and_check_constraints_and_indexes() {
    let md = one_table(
        Table::builder("products")
            .column(Column::new("id", SqlType::Integer).primary_key())
            .column(Column::new("sku", SqlType::string(20)).not_null().unique())
            .column(Column::new("name", SqlType::string(100)).not_null().index())
            .column(Column::new("slug", SqlType::string(100)).index().unique())
            .column(Column::new("price", SqlType::numeric(10, 2)).not_null())
            .column(Column::new("kind", SqlType::string(10)))
            .column(Column::new("vendor", SqlType::string(50)))
            .unique_named("uq_products_vendor_name", ["vendor", "name"])
            .unique(["kind", "sku"])
            .check(Some("price_positive"), col("price").gt(0i32))
            .check(
                None,
                col("kind").in_(["book", "it's"]).or(col("kind").is_null()),
            )
            .index(Index::new(["vendor", "price"]).name("ix_vendor_price"))
            .index(Index::new(["kind"]).name("ux_kind").unique()),
    );
    check_plan(
        |d| create_all(&md, d, false),
        DIALECTS,
        expect![[r#"
        sqlite:     CREATE TABLE products (
                    	id INTEGER NOT NULL,
                    	sku VARCHAR(20) NOT NULL,
                    	name VARCHAR(100) NOT NULL,
                    	slug VARCHAR(100),
                    	price NUMERIC(10, 2) NOT NULL,
                    	kind VARCHAR(10),
                    	vendor VARCHAR(50),
                    	PRIMARY KEY (id),
                    	UNIQUE (sku),
                    	CONSTRAINT uq_products_vendor_name UNIQUE (vendor, name),
                    	UNIQUE (kind, sku),
                    	CONSTRAINT price_positive CHECK (price > 0),
                    	CHECK (kind IN ('book', 'it''s') OR kind IS NULL)
                    );
                    CREATE INDEX ix_products_name ON products (name);
                    CREATE UNIQUE INDEX ix_products_slug ON products (slug);
                    CREATE INDEX ix_vendor_price ON products (vendor, price);
                    CREATE UNIQUE INDEX ux_kind ON products (kind);
        postgresql: CREATE TABLE products (
                    	id SERIAL NOT NULL,
                    	sku VARCHAR(20) NOT NULL,
                    	name VARCHAR(100) NOT NULL,
                    	slug VARCHAR(100),
                    	price NUMERIC(10, 2) NOT NULL,
                    	kind VARCHAR(10),
                    	vendor VARCHAR(50),
                    	PRIMARY KEY (id),
                    	UNIQUE (sku),
                    	CONSTRAINT uq_products_vendor_name UNIQUE (vendor, name),
                    	UNIQUE (kind, sku),
                    	CONSTRAINT price_positive CHECK (price > 0),
                    	CHECK (kind IN ('book', 'it''s') OR kind IS NULL)
                    );
                    CREATE INDEX ix_products_name ON products (name);
                    CREATE UNIQUE INDEX ix_products_slug ON products (slug);
                    CREATE INDEX ix_vendor_price ON products (vendor, price);
                    CREATE UNIQUE INDEX ux_kind ON products (kind);
        mysql:      CREATE TABLE products (
                    	id INTEGER NOT NULL AUTO_INCREMENT,
                    	sku VARCHAR(20) NOT NULL,
                    	name VARCHAR(100) NOT NULL,
                    	slug VARCHAR(100),
                    	price NUMERIC(10, 2) NOT NULL,
                    	kind VARCHAR(10),
                    	vendor VARCHAR(50),
                    	PRIMARY KEY (id),
                    	UNIQUE (sku),
                    	CONSTRAINT uq_products_vendor_name UNIQUE (vendor, name),
                    	UNIQUE (kind, sku),
                    	CONSTRAINT price_positive CHECK (price > 0),
                    	CHECK (kind IN ('book', 'it''s') OR kind IS NULL)
                    );
                    CREATE INDEX ix_products_name ON products (name);
                    CREATE UNIQUE INDEX ix_products_slug ON products (slug);
                    CREATE INDEX ix_vendor_price ON products (vendor, price);
                    CREATE UNIQUE INDEX ux_kind ON products (kind);
    "#]],
    );
}

#[test]
fn check_constraint_as_text() {
    let md = one_table(
        Table::builder("ranges")
            .column(Column::new("id", SqlType::Integer).primary_key())
            .column(Column::new("lo", SqlType::Integer))
            .column(Column::new("hi", SqlType::Integer))
            .check(Some("lo_below_hi"), text("lo <= hi").into_expr()),
    );
    check_plan(
        |d| create_all(&md, d, false),
        DIALECTS,
        expect![[r#"
        sqlite:     CREATE TABLE ranges (
                    	id INTEGER NOT NULL,
                    	lo INTEGER,
                    	hi INTEGER,
                    	PRIMARY KEY (id),
                    	CONSTRAINT lo_below_hi CHECK (lo <= hi)
                    );
        postgresql: CREATE TABLE ranges (
                    	id SERIAL NOT NULL,
                    	lo INTEGER,
                    	hi INTEGER,
                    	PRIMARY KEY (id),
                    	CONSTRAINT lo_below_hi CHECK (lo <= hi)
                    );
        mysql:      CREATE TABLE ranges (
                    	id INTEGER NOT NULL AUTO_INCREMENT,
                    	lo INTEGER,
                    	hi INTEGER,
                    	PRIMARY KEY (id),
                    	CONSTRAINT lo_below_hi CHECK (lo <= hi)
                    );
    "#]],
    );
}

#[test]
fn server_defaults() {
    let md = one_table(
        Table::builder("settings")
            .column(Column::new("id", SqlType::Integer).primary_key())
            .column(Column::new("motto", SqlType::string(50)).server_default("it's \"fine\""))
            .column(Column::new("path", SqlType::string(50)).server_default("C:\\temp"))
            .column(
                Column::new("retries", SqlType::Integer)
                    .not_null()
                    .server_default(3i32),
            )
            .column(Column::new("ratio", SqlType::Double).server_default(0.5f64))
            .column(
                Column::new("enabled", SqlType::Boolean)
                    .not_null()
                    .server_default(true),
            )
            .column(
                Column::new("created_at", SqlType::DateTime)
                    .not_null()
                    .server_default_sql("CURRENT_TIMESTAMP"),
            ),
    );
    check_plan(
        |d| create_all(&md, d, false),
        DIALECTS,
        expect![[r#"
        sqlite:     CREATE TABLE settings (
                    	id INTEGER NOT NULL,
                    	motto VARCHAR(50) DEFAULT 'it''s "fine"',
                    	path VARCHAR(50) DEFAULT 'C:\temp',
                    	retries INTEGER DEFAULT 3 NOT NULL,
                    	ratio DOUBLE DEFAULT 0.5,
                    	enabled BOOLEAN DEFAULT 1 NOT NULL,
                    	created_at DATETIME DEFAULT CURRENT_TIMESTAMP NOT NULL,
                    	PRIMARY KEY (id)
                    );
        postgresql: CREATE TABLE settings (
                    	id SERIAL NOT NULL,
                    	motto VARCHAR(50) DEFAULT 'it''s "fine"',
                    	path VARCHAR(50) DEFAULT 'C:\temp',
                    	retries INTEGER DEFAULT 3 NOT NULL,
                    	ratio DOUBLE PRECISION DEFAULT 0.5,
                    	enabled BOOLEAN DEFAULT TRUE NOT NULL,
                    	created_at TIMESTAMP WITHOUT TIME ZONE DEFAULT CURRENT_TIMESTAMP NOT NULL,
                    	PRIMARY KEY (id)
                    );
        mysql:      CREATE TABLE settings (
                    	id INTEGER NOT NULL AUTO_INCREMENT,
                    	motto VARCHAR(50) DEFAULT 'it''s "fine"',
                    	path VARCHAR(50) DEFAULT 'C:\\temp',
                    	retries INTEGER DEFAULT 3 NOT NULL,
                    	ratio DOUBLE DEFAULT 0.5,
                    	enabled BOOL DEFAULT TRUE NOT NULL,
                    	created_at DATETIME DEFAULT CURRENT_TIMESTAMP NOT NULL,
                    	PRIMARY KEY (id)
                    );
    "#]],
    );
}

#[test]
fn comments() {
    let md = one_table(
        Table::builder("accounts")
            .comment("Customer accounts; don't delete")
            .column(
                Column::new("id", SqlType::Integer)
                    .primary_key()
                    .comment("surrogate key"),
            )
            .column(Column::new("owner", SqlType::string(50)).comment("the owner's name"))
            .column(Column::new("note", SqlType::Text)),
    );
    check_plan(
        |d| create_all(&md, d, false),
        DIALECTS,
        expect![[r#"
        sqlite:     CREATE TABLE accounts (
                    	id INTEGER NOT NULL,
                    	owner VARCHAR(50),
                    	note TEXT,
                    	PRIMARY KEY (id)
                    );
        postgresql: CREATE TABLE accounts (
                    	id SERIAL NOT NULL,
                    	owner VARCHAR(50),
                    	note TEXT,
                    	PRIMARY KEY (id)
                    );
                    COMMENT ON TABLE accounts IS 'Customer accounts; don''t delete';
                    COMMENT ON COLUMN accounts.id IS 'surrogate key';
                    COMMENT ON COLUMN accounts.owner IS 'the owner''s name';
        mysql:      CREATE TABLE accounts (
                    	id INTEGER NOT NULL AUTO_INCREMENT COMMENT 'surrogate key',
                    	owner VARCHAR(50) COMMENT 'the owner''s name',
                    	note TEXT,
                    	PRIMARY KEY (id)
                    ) COMMENT='Customer accounts; don''t delete';
    "#]],
    );
}

#[test]
fn autoincrement_keys() {
    let mut md = MetaData::new();
    md.add(
        Table::builder("small_keys")
            .column(Column::new("id", SqlType::SmallInt).primary_key())
            .column(Column::new("v", SqlType::Text)),
    )
    .unwrap();
    md.add(
        Table::builder("big_keys")
            .column(Column::new("id", SqlType::BigInt).primary_key())
            .column(Column::new("v", SqlType::Text)),
    )
    .unwrap();
    md.add(
        Table::builder("manual_keys")
            .column(
                Column::new("id", SqlType::Integer)
                    .primary_key()
                    .autoincrement(Autoincrement::Never),
            )
            .column(Column::new("v", SqlType::Text)),
    )
    .unwrap();
    md.add(
        Table::builder("text_keys")
            .column(Column::new("code", SqlType::string(10)).primary_key())
            .column(Column::new("v", SqlType::Text)),
    )
    .unwrap();
    check_plan(
        |d| create_all(&md, d, false),
        DIALECTS,
        expect![[r#"
            sqlite:     CREATE TABLE big_keys (
                        	id INTEGER NOT NULL,
                        	v TEXT,
                        	PRIMARY KEY (id)
                        );
                        CREATE TABLE manual_keys (
                        	id INTEGER NOT NULL,
                        	v TEXT,
                        	PRIMARY KEY (id)
                        );
                        CREATE TABLE small_keys (
                        	id INTEGER NOT NULL,
                        	v TEXT,
                        	PRIMARY KEY (id)
                        );
                        CREATE TABLE text_keys (
                        	code VARCHAR(10) NOT NULL,
                        	v TEXT,
                        	PRIMARY KEY (code)
                        );
            postgresql: CREATE TABLE big_keys (
                        	id BIGSERIAL NOT NULL,
                        	v TEXT,
                        	PRIMARY KEY (id)
                        );
                        CREATE TABLE manual_keys (
                        	id INTEGER NOT NULL,
                        	v TEXT,
                        	PRIMARY KEY (id)
                        );
                        CREATE TABLE small_keys (
                        	id SMALLSERIAL NOT NULL,
                        	v TEXT,
                        	PRIMARY KEY (id)
                        );
                        CREATE TABLE text_keys (
                        	code VARCHAR(10) NOT NULL,
                        	v TEXT,
                        	PRIMARY KEY (code)
                        );
            mysql:      CREATE TABLE big_keys (
                        	id BIGINT NOT NULL AUTO_INCREMENT,
                        	v TEXT,
                        	PRIMARY KEY (id)
                        );
                        CREATE TABLE manual_keys (
                        	id INTEGER NOT NULL,
                        	v TEXT,
                        	PRIMARY KEY (id)
                        );
                        CREATE TABLE small_keys (
                        	id SMALLINT NOT NULL AUTO_INCREMENT,
                        	v TEXT,
                        	PRIMARY KEY (id)
                        );
                        CREATE TABLE text_keys (
                        	code VARCHAR(10) NOT NULL,
                        	v TEXT,
                        	PRIMARY KEY (code)
                        );
        "#]],
    );
}

#[test]
fn recommended_naming_convention() {
    let mut md = MetaData::with_naming_convention(NamingConvention::recommended());
    md.add(
        Table::builder("teams")
            .column(Column::new("id", SqlType::Integer).primary_key())
            .column(Column::new("name", SqlType::string(50)).not_null().unique()),
    )
    .unwrap();
    md.add(
        Table::builder("players")
            .column(Column::new("id", SqlType::Integer).primary_key())
            .column(Column::new("team_id", SqlType::Integer).foreign_key("teams.id"))
            .column(Column::new("number", SqlType::SmallInt).index())
            .check(Some("number_range"), col("number").between(0i32, 99i32)),
    )
    .unwrap();
    check_plan(
        |d| create_all(&md, d, false),
        DIALECTS,
        expect![[r#"
        sqlite:     CREATE TABLE teams (
                    	id INTEGER NOT NULL,
                    	name VARCHAR(50) NOT NULL,
                    	CONSTRAINT pk_teams PRIMARY KEY (id),
                    	CONSTRAINT uq_teams_name UNIQUE (name)
                    );
                    CREATE TABLE players (
                    	id INTEGER NOT NULL,
                    	team_id INTEGER,
                    	number SMALLINT,
                    	CONSTRAINT pk_players PRIMARY KEY (id),
                    	CONSTRAINT ck_players_number_range CHECK (number BETWEEN 0 AND 99),
                    	CONSTRAINT fk_players_team_id_teams FOREIGN KEY(team_id) REFERENCES teams (id)
                    );
                    CREATE INDEX ix_players_number ON players (number);
        postgresql: CREATE TABLE teams (
                    	id SERIAL NOT NULL,
                    	name VARCHAR(50) NOT NULL,
                    	CONSTRAINT pk_teams PRIMARY KEY (id),
                    	CONSTRAINT uq_teams_name UNIQUE (name)
                    );
                    CREATE TABLE players (
                    	id SERIAL NOT NULL,
                    	team_id INTEGER,
                    	number SMALLINT,
                    	CONSTRAINT pk_players PRIMARY KEY (id),
                    	CONSTRAINT ck_players_number_range CHECK (number BETWEEN 0 AND 99),
                    	CONSTRAINT fk_players_team_id_teams FOREIGN KEY(team_id) REFERENCES teams (id)
                    );
                    CREATE INDEX ix_players_number ON players (number);
        mysql:      CREATE TABLE teams (
                    	id INTEGER NOT NULL AUTO_INCREMENT,
                    	name VARCHAR(50) NOT NULL,
                    	CONSTRAINT pk_teams PRIMARY KEY (id),
                    	CONSTRAINT uq_teams_name UNIQUE (name)
                    );
                    CREATE TABLE players (
                    	id INTEGER NOT NULL AUTO_INCREMENT,
                    	team_id INTEGER,
                    	number SMALLINT,
                    	CONSTRAINT pk_players PRIMARY KEY (id),
                    	CONSTRAINT ck_players_number_range CHECK (number BETWEEN 0 AND 99),
                    	CONSTRAINT fk_players_team_id_teams FOREIGN KEY(team_id) REFERENCES teams (id)
                    );
                    CREATE INDEX ix_players_number ON players (number);
    "#]],
    );
}

#[test]
fn create_all_and_drop_all_if_not_exists() {
    let b = blog();
    check_plan(
        |d| create_all(&b.md, d, true),
        WITH_MARIADB,
        expect![[r#"
        sqlite:     CREATE TABLE IF NOT EXISTS categories (
                    	id INTEGER NOT NULL,
                    	name VARCHAR(50) NOT NULL,
                    	parent_id INTEGER,
                    	PRIMARY KEY (id),
                    	FOREIGN KEY(parent_id) REFERENCES categories (id)
                    );
                    CREATE TABLE IF NOT EXISTS users (
                    	id INTEGER NOT NULL,
                    	name VARCHAR(50) NOT NULL,
                    	email VARCHAR(100),
                    	PRIMARY KEY (id),
                    	UNIQUE (email)
                    );
                    CREATE TABLE IF NOT EXISTS posts (
                    	id INTEGER NOT NULL,
                    	title VARCHAR(200) NOT NULL,
                    	content TEXT,
                    	owner_id INTEGER,
                    	score INTEGER,
                    	created_at DATETIME,
                    	PRIMARY KEY (id),
                    	FOREIGN KEY(owner_id) REFERENCES users (id)
                    );
        postgresql: CREATE TABLE IF NOT EXISTS categories (
                    	id SERIAL NOT NULL,
                    	name VARCHAR(50) NOT NULL,
                    	parent_id INTEGER,
                    	PRIMARY KEY (id),
                    	FOREIGN KEY(parent_id) REFERENCES categories (id)
                    );
                    CREATE TABLE IF NOT EXISTS users (
                    	id SERIAL NOT NULL,
                    	name VARCHAR(50) NOT NULL,
                    	email VARCHAR(100),
                    	PRIMARY KEY (id),
                    	UNIQUE (email)
                    );
                    CREATE TABLE IF NOT EXISTS posts (
                    	id SERIAL NOT NULL,
                    	title VARCHAR(200) NOT NULL,
                    	content TEXT,
                    	owner_id INTEGER,
                    	score INTEGER,
                    	created_at TIMESTAMP WITHOUT TIME ZONE,
                    	PRIMARY KEY (id),
                    	FOREIGN KEY(owner_id) REFERENCES users (id)
                    );
        mysql:      CREATE TABLE IF NOT EXISTS categories (
                    	id INTEGER NOT NULL AUTO_INCREMENT,
                    	name VARCHAR(50) NOT NULL,
                    	parent_id INTEGER,
                    	PRIMARY KEY (id),
                    	FOREIGN KEY(parent_id) REFERENCES categories (id)
                    );
                    CREATE TABLE IF NOT EXISTS users (
                    	id INTEGER NOT NULL AUTO_INCREMENT,
                    	name VARCHAR(50) NOT NULL,
                    	email VARCHAR(100),
                    	PRIMARY KEY (id),
                    	UNIQUE (email)
                    );
                    CREATE TABLE IF NOT EXISTS posts (
                    	id INTEGER NOT NULL AUTO_INCREMENT,
                    	title VARCHAR(200) NOT NULL,
                    	content TEXT,
                    	owner_id INTEGER,
                    	score INTEGER,
                    	created_at DATETIME,
                    	PRIMARY KEY (id),
                    	FOREIGN KEY(owner_id) REFERENCES users (id)
                    );
        mariadb:    CREATE TABLE IF NOT EXISTS categories (
                    	id INTEGER NOT NULL AUTO_INCREMENT,
                    	name VARCHAR(50) NOT NULL,
                    	parent_id INTEGER,
                    	PRIMARY KEY (id),
                    	FOREIGN KEY(parent_id) REFERENCES categories (id)
                    );
                    CREATE TABLE IF NOT EXISTS users (
                    	id INTEGER NOT NULL AUTO_INCREMENT,
                    	name VARCHAR(50) NOT NULL,
                    	email VARCHAR(100),
                    	PRIMARY KEY (id),
                    	UNIQUE (email)
                    );
                    CREATE TABLE IF NOT EXISTS posts (
                    	id INTEGER NOT NULL AUTO_INCREMENT,
                    	title VARCHAR(200) NOT NULL,
                    	content TEXT,
                    	owner_id INTEGER,
                    	score INTEGER,
                    	created_at DATETIME,
                    	PRIMARY KEY (id),
                    	FOREIGN KEY(owner_id) REFERENCES users (id)
                    );
    "#]],
    );
    check_plan(
        |d| drop_all(&b.md, d, true),
        DIALECTS,
        expect![[r#"
        sqlite:     DROP TABLE IF EXISTS posts;
                    DROP TABLE IF EXISTS users;
                    DROP TABLE IF EXISTS categories;
        postgresql: DROP TABLE IF EXISTS posts;
                    DROP TABLE IF EXISTS users;
                    DROP TABLE IF EXISTS categories;
        mysql:      DROP TABLE IF EXISTS posts;
                    DROP TABLE IF EXISTS users;
                    DROP TABLE IF EXISTS categories;
    "#]],
    );
}

#[test]
fn drop_all_of_the_blog_schema() {
    let b = blog();
    check_plan(
        |d| drop_all(&b.md, d, false),
        DIALECTS,
        expect![[r#"
        sqlite:     DROP TABLE posts;
                    DROP TABLE users;
                    DROP TABLE categories;
        postgresql: DROP TABLE posts;
                    DROP TABLE users;
                    DROP TABLE categories;
        mysql:      DROP TABLE posts;
                    DROP TABLE users;
                    DROP TABLE categories;
    "#]],
    );
}

#[test]
fn single_statements_with_and_without_if_exists() {
    let md = one_table(
        Table::builder("logs")
            .column(Column::new("id", SqlType::Integer).primary_key())
            .column(Column::new("at", SqlType::DateTime).index()),
    );
    let t = md.table("logs").unwrap().clone();
    check_plan(
        |_| {
            Ok(vec![
                create_table(&t).if_exists(),
                create_index(&t, "ix_logs_at"),
                drop_index(&t, "ix_logs_at"),
                drop_table(&t),
                drop_table(&t).if_exists(),
            ])
        },
        WITH_MARIADB,
        expect![[r#"
            sqlite:     CREATE TABLE IF NOT EXISTS logs (
                        	id INTEGER NOT NULL,
                        	at DATETIME,
                        	PRIMARY KEY (id)
                        );
                        CREATE INDEX ix_logs_at ON logs (at);
                        DROP INDEX ix_logs_at;
                        DROP TABLE logs;
                        DROP TABLE IF EXISTS logs;
            postgresql: CREATE TABLE IF NOT EXISTS logs (
                        	id SERIAL NOT NULL,
                        	at TIMESTAMP WITHOUT TIME ZONE,
                        	PRIMARY KEY (id)
                        );
                        CREATE INDEX ix_logs_at ON logs (at);
                        DROP INDEX ix_logs_at;
                        DROP TABLE logs;
                        DROP TABLE IF EXISTS logs;
            mysql:      CREATE TABLE IF NOT EXISTS logs (
                        	id INTEGER NOT NULL AUTO_INCREMENT,
                        	at DATETIME,
                        	PRIMARY KEY (id)
                        );
                        CREATE INDEX ix_logs_at ON logs (at);
                        DROP INDEX ix_logs_at ON logs;
                        DROP TABLE logs;
                        DROP TABLE IF EXISTS logs;
            mariadb:    CREATE TABLE IF NOT EXISTS logs (
                        	id INTEGER NOT NULL AUTO_INCREMENT,
                        	at DATETIME,
                        	PRIMARY KEY (id)
                        );
                        CREATE INDEX ix_logs_at ON logs (at);
                        DROP INDEX ix_logs_at ON logs;
                        DROP TABLE logs;
                        DROP TABLE IF EXISTS logs;
        "#]],
    );
    check_plan(
        |_| {
            Ok(vec![
                create_table(&t),
                create_index(&t, "ix_logs_at").if_exists(),
                drop_index(&t, "ix_logs_at").if_exists(),
                drop_table(&t),
            ])
        },
        WITH_MARIADB,
        expect![[r#"
            sqlite:     CREATE TABLE logs (
                        	id INTEGER NOT NULL,
                        	at DATETIME,
                        	PRIMARY KEY (id)
                        );
                        CREATE INDEX IF NOT EXISTS ix_logs_at ON logs (at);
                        DROP INDEX IF EXISTS ix_logs_at;
                        DROP TABLE logs;
            postgresql: CREATE TABLE logs (
                        	id SERIAL NOT NULL,
                        	at TIMESTAMP WITHOUT TIME ZONE,
                        	PRIMARY KEY (id)
                        );
                        CREATE INDEX IF NOT EXISTS ix_logs_at ON logs (at);
                        DROP INDEX IF EXISTS ix_logs_at;
                        DROP TABLE logs;
            mysql:      error: CREATE INDEX IF NOT EXISTS is not supported by the mysql dialect
            mariadb:    CREATE TABLE logs (
                        	id INTEGER NOT NULL AUTO_INCREMENT,
                        	at DATETIME,
                        	PRIMARY KEY (id)
                        );
                        CREATE INDEX IF NOT EXISTS ix_logs_at ON logs (at);
                        DROP INDEX IF EXISTS ix_logs_at ON logs;
                        DROP TABLE logs;
        "#]],
    );
    check_plan(
        |_| Ok(vec![create_index(&t, "no_such_index")]),
        DIALECTS,
        expect![[r#"
            sqlite:     error: invalid statement: table logs has no index named no_such_index
            postgresql: error: invalid statement: table logs has no index named no_such_index
            mysql:      error: invalid statement: table logs has no index named no_such_index
        "#]],
    );
}

#[test]
fn tables_in_a_schema() {
    // (On SQLite a schema is an attached database, whose indexes are
    // spelled differently; not shown here.)
    let mut md = MetaData::new();
    md.add(
        Table::builder("logs")
            .schema("audit")
            .column(Column::new("id", SqlType::Integer).primary_key())
            .column(Column::new("at", SqlType::DateTime).index()),
    )
    .unwrap();
    md.add(
        Table::builder("entries")
            .schema("audit")
            .column(Column::new("id", SqlType::Integer).primary_key())
            .column(Column::new("log_id", SqlType::Integer).foreign_key("audit.logs.id")),
    )
    .unwrap();
    let logs = md.table("audit.logs").unwrap().clone();
    let entries = md.table("audit.entries").unwrap().clone();
    check_plan(
        |d| {
            let mut plan = create_all(&md, d, false)?;
            plan.push(drop_index(&logs, "ix_logs_at"));
            Ok(plan)
        },
        &["postgresql", "mysql"],
        expect![[r#"
            postgresql: CREATE TABLE audit.logs (
                        	id SERIAL NOT NULL,
                        	at TIMESTAMP WITHOUT TIME ZONE,
                        	PRIMARY KEY (id)
                        );
                        CREATE INDEX ix_logs_at ON audit.logs (at);
                        CREATE TABLE audit.entries (
                        	id SERIAL NOT NULL,
                        	log_id INTEGER,
                        	PRIMARY KEY (id),
                        	FOREIGN KEY(log_id) REFERENCES audit.logs (id)
                        );
                        DROP INDEX audit.ix_logs_at;
            mysql:      CREATE TABLE audit.logs (
                        	id INTEGER NOT NULL AUTO_INCREMENT,
                        	at DATETIME,
                        	PRIMARY KEY (id)
                        );
                        CREATE INDEX ix_logs_at ON audit.logs (at);
                        CREATE TABLE audit.entries (
                        	id INTEGER NOT NULL AUTO_INCREMENT,
                        	log_id INTEGER,
                        	PRIMARY KEY (id),
                        	FOREIGN KEY(log_id) REFERENCES audit.logs (id)
                        );
                        DROP INDEX ix_logs_at ON audit.logs;
        "#]],
    );
    let logs_at = logs.c("at").unwrap();
    check_in(
        aludel_core::select([logs_at.clone(), entries.c("id").unwrap()])
            .join_auto(&entries)
            .where_(logs_at.is_not_null()),
        &["postgresql", "mysql"],
        expect![[r#"
            postgresql: SELECT audit.logs.at, audit.entries.id FROM audit.logs JOIN audit.entries ON audit.entries.log_id = audit.logs.id WHERE audit.logs.at IS NOT NULL
            mysql:      SELECT audit.logs.at, audit.entries.id FROM audit.logs JOIN audit.entries ON audit.entries.log_id = audit.logs.id WHERE audit.logs.at IS NOT NULL
        "#]],
    );
}

fn cyclic(use_alter: bool) -> MetaData {
    let mut md = MetaData::new();
    let mut fk =
        ForeignKey::new(["best_employee_id"], "employees", ["id"]).name("fk_best_employee");
    if use_alter {
        fk = fk.use_alter();
    }
    md.add(
        Table::builder("departments")
            .column(Column::new("id", SqlType::Integer).primary_key())
            .column(Column::new("best_employee_id", SqlType::Integer))
            .foreign_key(fk),
    )
    .unwrap();
    md.add(
        Table::builder("employees")
            .column(Column::new("id", SqlType::Integer).primary_key())
            .column(Column::new("department_id", SqlType::Integer).foreign_key("departments.id")),
    )
    .unwrap();
    md
}

#[test]
fn foreign_key_cycle_broken_with_use_alter() {
    let md = cyclic(true);
    check_plan(
        |d| create_all(&md, d, false),
        DIALECTS,
        expect![[r#"
        sqlite:     CREATE TABLE departments (
                    	id INTEGER NOT NULL,
                    	best_employee_id INTEGER,
                    	PRIMARY KEY (id),
                    	CONSTRAINT fk_best_employee FOREIGN KEY(best_employee_id) REFERENCES employees (id)
                    );
                    CREATE TABLE employees (
                    	id INTEGER NOT NULL,
                    	department_id INTEGER,
                    	PRIMARY KEY (id),
                    	FOREIGN KEY(department_id) REFERENCES departments (id)
                    );
        postgresql: CREATE TABLE departments (
                    	id SERIAL NOT NULL,
                    	best_employee_id INTEGER,
                    	PRIMARY KEY (id)
                    );
                    CREATE TABLE employees (
                    	id SERIAL NOT NULL,
                    	department_id INTEGER,
                    	PRIMARY KEY (id),
                    	FOREIGN KEY(department_id) REFERENCES departments (id)
                    );
                    ALTER TABLE departments ADD CONSTRAINT fk_best_employee FOREIGN KEY(best_employee_id) REFERENCES employees (id);
        mysql:      CREATE TABLE departments (
                    	id INTEGER NOT NULL AUTO_INCREMENT,
                    	best_employee_id INTEGER,
                    	PRIMARY KEY (id)
                    );
                    CREATE TABLE employees (
                    	id INTEGER NOT NULL AUTO_INCREMENT,
                    	department_id INTEGER,
                    	PRIMARY KEY (id),
                    	FOREIGN KEY(department_id) REFERENCES departments (id)
                    );
                    ALTER TABLE departments ADD CONSTRAINT fk_best_employee FOREIGN KEY(best_employee_id) REFERENCES employees (id);
    "#]],
    );
    check_plan(
        |d| drop_all(&md, d, false),
        DIALECTS,
        expect![[r#"
        sqlite:     DROP TABLE employees;
                    DROP TABLE departments;
        postgresql: ALTER TABLE departments DROP CONSTRAINT fk_best_employee;
                    DROP TABLE employees;
                    DROP TABLE departments;
        mysql:      ALTER TABLE departments DROP FOREIGN KEY fk_best_employee;
                    DROP TABLE employees;
                    DROP TABLE departments;
    "#]],
    );
}

#[test]
fn foreign_key_cycle_without_use_alter_is_an_error() {
    let md = cyclic(false);
    expect!["foreign keys form a cycle between tables departments, employees; mark one foreign key use_alter to break it"].assert_eq(&err_text(md.sorted_tables()));
    check_plan(
        |d| create_all(&md, d, false),
        &["sqlite"],
        expect![[r#"
        sqlite:     error: foreign keys form a cycle between tables departments, employees; mark one foreign key use_alter to break it
    "#]],
    );
}

#[test]
fn sorted_tables_puts_referenced_tables_first_then_by_name() {
    let b = blog();
    let x = extras();
    let names = |md: &MetaData| {
        md.sorted_tables()
            .unwrap()
            .iter()
            .map(|t| t.qualified_name())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut md = MetaData::new();
    for t in b.md.tables().iter().chain(x.md.tables()).rev() {
        md.add_table(t.clone()).unwrap();
    }
    expect!["categories, user, users, memberships, messages, posts"].assert_eq(&names(&md));
}

#[test]
fn use_alter_foreign_key_needs_a_name() {
    let mut md = MetaData::new();
    md.add(
        Table::builder("a")
            .column(Column::new("id", SqlType::Integer).primary_key())
            .column(Column::new("a_id", SqlType::Integer))
            .foreign_key(ForeignKey::new(["a_id"], "a", ["id"]).use_alter()),
    )
    .unwrap();
    check_plan(
        |d| create_all(&md, d, false),
        DIALECTS,
        expect![[r#"
        sqlite:     CREATE TABLE a (
                    	id INTEGER NOT NULL,
                    	a_id INTEGER,
                    	PRIMARY KEY (id),
                    	FOREIGN KEY(a_id) REFERENCES a (id)
                    );
        postgresql: error: invalid schema: table a: a use_alter foreign key needs a name
        mysql:      error: invalid schema: table a: a use_alter foreign key needs a name
    "#]],
    );
}
