//! `#[derive(Model)]`.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Expr, Fields, LitInt, LitStr};

#[derive(Default)]
struct FieldSpec {
    column: Option<String>,
    primary_key: bool,
    index: bool,
    unique: bool,
    length: Option<u32>,
    sql_type: Option<Expr>,
    default: Option<Expr>,
    server_default: Option<String>,
    server_default_sql: Option<String>,
    foreign_key: Option<String>,
    on_delete: Option<String>,
    on_update: Option<String>,
    autoincrement: Option<bool>,
    comment: Option<String>,
    version: bool,
    skip: bool,
}

fn fk_action(s: &str, span: Span) -> syn::Result<TokenStream> {
    Ok(match s.to_ascii_lowercase().replace(['_', '-'], " ").as_str() {
        "cascade" => quote!(Cascade),
        "set null" => quote!(SetNull),
        "set default" => quote!(SetDefault),
        "restrict" => quote!(Restrict),
        "no action" => quote!(NoAction),
        _ => {
            return Err(syn::Error::new(
                span,
                "expected one of \"cascade\", \"set null\", \"set default\", \"restrict\", \"no action\"",
            ))
        }
    })
}

fn parse_field(field: &syn::Field) -> syn::Result<FieldSpec> {
    let mut f = FieldSpec::default();
    for attr in field.attrs.iter().filter(|a| a.path().is_ident("aludel")) {
        attr.parse_nested_meta(|meta| {
            let p = &meta.path;
            let lit_str = |meta: &syn::meta::ParseNestedMeta| -> syn::Result<String> {
                Ok(meta.value()?.parse::<LitStr>()?.value())
            };
            if p.is_ident("primary_key") {
                f.primary_key = true;
            } else if p.is_ident("index") {
                f.index = true;
            } else if p.is_ident("unique") {
                f.unique = true;
            } else if p.is_ident("skip") {
                f.skip = true;
            } else if p.is_ident("version") {
                f.version = true;
            } else if p.is_ident("column") {
                f.column = Some(lit_str(&meta)?);
            } else if p.is_ident("length") {
                f.length = Some(meta.value()?.parse::<LitInt>()?.base10_parse()?);
            } else if p.is_ident("sql_type") {
                let s: LitStr = meta.value()?.parse()?;
                f.sql_type = Some(s.parse()?);
            } else if p.is_ident("default") {
                let s: LitStr = meta.value()?.parse()?;
                f.default = Some(s.parse()?);
            } else if p.is_ident("server_default") {
                f.server_default = Some(lit_str(&meta)?);
            } else if p.is_ident("server_default_sql") {
                f.server_default_sql = Some(lit_str(&meta)?);
            } else if p.is_ident("foreign_key") {
                let target = lit_str(&meta)?;
                if !(2..=3).contains(&target.split('.').count()) {
                    return Err(meta.error("foreign_key takes \"table.column\" or \"schema.table.column\""));
                }
                f.foreign_key = Some(target);
            } else if p.is_ident("on_delete") {
                f.on_delete = Some(lit_str(&meta)?);
            } else if p.is_ident("on_update") {
                f.on_update = Some(lit_str(&meta)?);
            } else if p.is_ident("autoincrement") {
                let b: syn::LitBool = meta.value()?.parse()?;
                f.autoincrement = Some(b.value);
            } else if p.is_ident("comment") {
                f.comment = Some(lit_str(&meta)?);
            } else {
                return Err(meta.error(
                    "unknown aludel attribute on a model field; expected one of primary_key, index, unique, \
                     column, length, sql_type, default, server_default, server_default_sql, foreign_key, \
                     on_delete, on_update, autoincrement, comment, version, skip",
                ));
            }
            Ok(())
        })?;
    }
    if f.version && f.primary_key {
        return Err(syn::Error::new_spanned(
            field,
            "a version column cannot be part of the primary key",
        ));
    }
    if f.skip && (f.primary_key || f.index || f.unique || f.foreign_key.is_some() || f.version) {
        return Err(syn::Error::new_spanned(
            field,
            "a skipped field cannot be a column",
        ));
    }
    if (f.on_delete.is_some() || f.on_update.is_some()) && f.foreign_key.is_none() {
        return Err(syn::Error::new_spanned(
            field,
            "on_delete / on_update need a foreign_key",
        ));
    }
    Ok(f)
}

/// A relationship field: `One<T>` or `Many<T>`.
struct RelSpec {
    many: bool,
    target: syn::Type,
    back_populates: Option<String>,
    order_by: Option<String>,
    secondary: Option<String>,
    foreign_key: Option<String>,
    lazy: TokenStream,
    cascade: (bool, bool, bool),
    passive_deletes: bool,
}

/// `One<T>` / `Many<T>` (by the last path segment), with its `T`.
fn relationship_type(ty: &syn::Type) -> Option<(bool, syn::Type)> {
    let syn::Type::Path(p) = ty else { return None };
    let seg = p.path.segments.last()?;
    let many = match seg.ident.to_string().as_str() {
        "One" => false,
        "Many" => true,
        _ => return None,
    };
    let syn::PathArguments::AngleBracketed(args) = &seg.arguments else {
        return None;
    };
    match args.args.first()? {
        syn::GenericArgument::Type(t) => Some((many, t.clone())),
        _ => None,
    }
}

fn parse_rel_field(field: &syn::Field, many: bool, target: syn::Type) -> syn::Result<RelSpec> {
    let mut r = RelSpec {
        many,
        target,
        back_populates: None,
        order_by: None,
        secondary: None,
        foreign_key: None,
        lazy: quote!(Select),
        cascade: (true, false, false),
        passive_deletes: false,
    };
    for attr in field.attrs.iter().filter(|a| a.path().is_ident("aludel")) {
        attr.parse_nested_meta(|meta| {
            let p = &meta.path;
            let lit = |meta: &syn::meta::ParseNestedMeta| -> syn::Result<String> {
                Ok(meta.value()?.parse::<LitStr>()?.value())
            };
            if p.is_ident("back_populates") {
                r.back_populates = Some(lit(&meta)?);
            } else if p.is_ident("order_by") {
                r.order_by = Some(lit(&meta)?);
            } else if p.is_ident("secondary") {
                r.secondary = Some(lit(&meta)?);
            } else if p.is_ident("foreign_key") {
                r.foreign_key = Some(lit(&meta)?);
            } else if p.is_ident("passive_deletes") {
                r.passive_deletes = true;
            } else if p.is_ident("lazy") {
                let v = lit(&meta)?;
                r.lazy = match v.as_str() {
                    "select" | "lazy" => quote!(Select),
                    "joined" => quote!(Joined),
                    "selectin" => quote!(Selectin),
                    "raise" => quote!(Raise),
                    _ => return Err(meta.error("lazy takes \"select\", \"joined\", \"selectin\" or \"raise\"")),
                };
            } else if p.is_ident("cascade") {
                let v = lit(&meta)?;
                let mut c = (false, false, false);
                for part in v.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                    match part {
                        "all" => {
                            c.0 = true;
                            c.1 = true;
                        }
                        "save-update" => c.0 = true,
                        "delete" => c.1 = true,
                        "delete-orphan" => c.2 = true,
                        "merge" | "expunge" | "refresh-expunge" | "none" => {}
                        _ => return Err(meta.error(format!(
                            "unknown cascade {part:?}; expected all, save-update, delete, delete-orphan, merge, expunge or none"
                        ))),
                    }
                }
                r.cascade = c;
            } else {
                return Err(meta.error(
                    "unknown aludel attribute on a relationship field; expected one of back_populates, \
                     order_by, secondary, foreign_key, lazy, cascade, passive_deletes",
                ));
            }
            Ok(())
        })?;
    }
    if r.secondary.is_some() && !r.many {
        return Err(syn::Error::new_spanned(
            field,
            "secondary needs a Many<_> field",
        ));
    }
    Ok(r)
}

fn snake_case(s: &str) -> String {
    let mut out = String::new();
    for (i, ch) in s.chars().enumerate() {
        if ch.is_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.extend(ch.to_lowercase());
        } else {
            out.push(ch);
        }
    }
    out
}

pub(crate) fn derive(input: &DeriveInput, orm: &TokenStream) -> syn::Result<TokenStream> {
    let name = &input.ident;
    if !input.generics.params.is_empty() {
        return Err(syn::Error::new_spanned(
            &input.generics,
            "a model cannot be generic",
        ));
    }
    let Data::Struct(data) = &input.data else {
        return Err(syn::Error::new_spanned(
            name,
            "Model can only be derived for structs",
        ));
    };
    let Fields::Named(fields) = &data.fields else {
        return Err(syn::Error::new_spanned(name, "a model needs named fields"));
    };

    let mut table = snake_case(&name.to_string());
    let mut schema: Option<String> = None;
    let mut table_comment: Option<String> = None;
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("aludel")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("table") {
                table = meta.value()?.parse::<LitStr>()?.value();
            } else if meta.path.is_ident("schema") {
                schema = Some(meta.value()?.parse::<LitStr>()?.value());
            } else if meta.path.is_ident("comment") {
                table_comment = Some(meta.value()?.parse::<LitStr>()?.value());
            } else {
                return Err(meta.error(
                    "unknown aludel attribute on a model; expected table, schema or comment",
                ));
            }
            Ok(())
        })?;
    }

    let core = quote!(#orm::__private::aludel_core);
    let mut consts = Vec::new();
    let mut columns = Vec::new();
    let mut decode = Vec::new();
    let mut decode_at = Vec::new();
    let mut values = Vec::new();
    let mut pk_values = Vec::new();
    let mut column_arms = Vec::new();
    let mut setters = Vec::new();
    let mut seen: Vec<(String, Span)> = Vec::new();
    let mut version: Option<(usize, Span)> = None;
    let mut position = 0usize;
    let mut rels: Vec<(syn::Ident, syn::Type, RelSpec)> = Vec::new();
    for field in &fields.named {
        let ident = field
            .ident
            .as_ref()
            .ok_or_else(|| syn::Error::new_spanned(field, "unnamed field"))?;
        let ty = &field.ty;
        if let Some((many, target)) = relationship_type(ty) {
            let spec = parse_rel_field(field, many, target)?;
            decode.push(quote!(#ident: ::core::default::Default::default()));
            decode_at.push(quote!(#ident: ::core::default::Default::default()));
            rels.push((ident.clone(), ty.clone(), spec));
            continue;
        }
        let spec = parse_field(field)?;
        if spec.skip {
            decode.push(quote!(#ident: ::core::default::Default::default()));
            decode_at.push(quote!(#ident: ::core::default::Default::default()));
            continue;
        }
        let col = spec
            .column
            .clone()
            .unwrap_or_else(|| ident.to_string().trim_start_matches("r#").to_string());
        if let Some((_, _)) = seen.iter().find(|(c, _)| *c == col) {
            return Err(syn::Error::new_spanned(
                field,
                format!("column {col:?} is mapped twice"),
            ));
        }
        seen.push((col.clone(), field.span()));
        let span = ty.span();
        let doc = format!("The `{col}` column of `{table}`.");
        consts.push(quote_spanned! {span=>
            #[doc = #doc]
            pub const #ident: #orm::Col<#name, #ty> = #orm::Col::new(#col);
        });
        let sql_type = match (&spec.sql_type, spec.length) {
            (Some(e), _) => quote!(#e),
            (None, Some(n)) => quote!(#core::SqlType::String(Some(#n))),
            (None, None) => quote_spanned!(span=> <#ty as #orm::ColumnValue>::sql_type()),
        };
        let mut build = quote_spanned! {span=>
            let c = #core::Column::new(#col, #sql_type);
            let c = if <#ty as #orm::ColumnValue>::NULLABLE { c.nullable(true) } else { c.not_null() };
        };
        let mut add = |t: TokenStream| build.extend(quote!(let c = #t;));
        if spec.primary_key {
            add(quote!(c.primary_key()));
        }
        if spec.index {
            add(quote!(c.index()));
        }
        if spec.unique {
            add(quote!(c.unique()));
        }
        if let Some(e) = &spec.default {
            add(quote!(c.default(#e)));
        }
        if let Some(v) = &spec.server_default {
            add(quote!(c.server_default(#v)));
        }
        if let Some(v) = &spec.server_default_sql {
            add(quote!(c.server_default_sql(#v)));
        }
        if let Some(fk) = &spec.foreign_key {
            add(quote!(c.foreign_key(#fk)));
        }
        if let Some(a) = &spec.on_delete {
            let a = fk_action(a, field.span())?;
            add(quote!(c.on_delete(#core::FkAction::#a)));
        }
        if let Some(a) = &spec.on_update {
            let a = fk_action(a, field.span())?;
            add(quote!(c.on_update(#core::FkAction::#a)));
        }
        match spec.autoincrement {
            Some(true) => add(quote!(c.autoincrement(#core::Autoincrement::Always))),
            Some(false) => add(quote!(c.autoincrement(#core::Autoincrement::Never))),
            None => {}
        }
        if let Some(cm) = &spec.comment {
            add(quote!(c.comment(#cm)));
        }
        columns.push(quote!({ #build c }));
        // Every conversion goes through ColumnValue, so that an unsupported
        // field type gives one kind of error, at the field.
        decode.push(
            quote_spanned!(span=> #ident: <#ty as #orm::ColumnValue>::read(row, #position, #col)?),
        );
        decode_at.push(
            quote_spanned!(span=> #ident: <#ty as #orm::ColumnValue>::read_at(row, #position)?),
        );
        values.push(quote_spanned!(span=> <#ty as #orm::ColumnValue>::to_value(&self.#ident)));
        column_arms.push(
            quote_spanned!(span=> #position => <#ty as #orm::ColumnValue>::to_value(&self.#ident)),
        );
        if spec.primary_key {
            pk_values
                .push(quote_spanned!(span=> <#ty as #orm::ColumnValue>::to_value(&self.#ident)));
        }
        if spec.version {
            if version.is_some() {
                return Err(syn::Error::new_spanned(
                    field,
                    "a model has at most one version column",
                ));
            }
            version = Some((position, field.span()));
        }
        setters.push(quote_spanned! {span=>
            #col => {
                self.#ident = <#ty as #orm::ColumnValue>::from_db(value)?;
                ::core::result::Result::Ok(())
            }
        });
        position += 1;
    }
    if pk_values.is_empty() {
        return Err(syn::Error::new_spanned(
            name,
            "a model needs a primary key: mark its field(s) #[aludel(primary_key)]",
        ));
    }
    if columns.is_empty() {
        return Err(syn::Error::new_spanned(
            name,
            "a model needs at least one column",
        ));
    }
    let version_const = version.map(|(i, _)| quote!(const VERSION_COLUMN: ::core::option::Option<usize> = ::core::option::Option::Some(#i);));
    let identity = if pk_values.len() == 1 {
        let v = &pk_values[0];
        quote!(#orm::Key::one(#v))
    } else {
        quote!(#orm::Key::many(::std::vec![#(#pk_values),*]))
    };
    let struct_name_lit = name.to_string();
    let mut rel_infos = Vec::new();
    let mut rel_consts = Vec::new();
    let mut rel_refs = Vec::new();
    let mut rel_muts = Vec::new();
    for (i, (ident, ty, r)) in rels.iter().enumerate() {
        let target = &r.target;
        let field_name = ident.to_string();
        let opt = |o: &Option<String>| match o {
            Some(v) => quote!(::core::option::Option::Some(#v)),
            None => quote!(::core::option::Option::None),
        };
        let back = opt(&r.back_populates);
        let order = opt(&r.order_by);
        let secondary = opt(&r.secondary);
        let fk = opt(&r.foreign_key);
        let lazy = &r.lazy;
        let many = r.many;
        let (c0, c1, c2) = r.cascade;
        let passive = r.passive_deletes;
        rel_infos.push(quote! {
            #orm::RelInfo {
                name: #field_name,
                owner_name: #struct_name_lit,
                owner: <#name as #orm::Model>::table,
                target: <#target as #orm::Model>::table,
                many: #many,
                secondary: #secondary,
                back_populates: #back,
                order_by: #order,
                cascade: #orm::Cascade::parse_flags(#c0, #c1, #c2),
                lazy: #orm::Lazy::#lazy,
                passive_deletes: #passive,
                foreign_key: #fk,
                absorb: #orm::__private::absorb_erased::<#target>,
                absorb_into: #orm::__private::absorb_into::<#target>,
                target_relationships: <#target as #orm::Model>::relationships,
                resolved: #orm::__private::OnceLock::new(),
                rows_per_key: #orm::__private::AtomicUsize::new(0),
                joined_rows: #orm::__private::AtomicUsize::new(0),
            }
        });
        let doc = format!("The `{field_name}` relationship of `{struct_name_lit}`.");
        rel_consts.push(quote! {
            #[doc = #doc]
            pub const #ident: #orm::Rel<#name, #ty> = #orm::Rel::new(#i, |m| &m.#ident, |m| &mut m.#ident);
        });
        rel_refs.push(quote!(#i => ::core::option::Option::Some(&self.#ident)));
        rel_muts.push(quote!(#i => ::core::option::Option::Some(&mut self.#ident)));
    }
    let n_rels = rel_infos.len();
    let rel_items = if rels.is_empty() {
        quote!()
    } else {
        quote! {
            fn relationships() -> &'static [#orm::RelInfo] {
                static RELS: [#orm::RelInfo; #n_rels] = [#(#rel_infos),*];
                &RELS
            }

            fn relationship(&self, idx: usize) -> ::core::option::Option<&dyn #orm::RelField> {
                match idx {
                    #(#rel_refs,)*
                    _ => ::core::option::Option::None,
                }
            }

            fn relationship_mut(&mut self, idx: usize) -> ::core::option::Option<&mut dyn #orm::RelField> {
                match idx {
                    #(#rel_muts,)*
                    _ => ::core::option::Option::None,
                }
            }
        }
    };
    let schema_call = schema.map(|s| quote!(.schema(#s)));
    let comment_call = table_comment.map(|c| quote!(.comment(#c)));
    let struct_name = name.to_string();
    let registration = format_ident!("__ALUDEL_MODEL_{}", struct_name.to_uppercase());
    // `from_row` and `from_row_at` are marked `#[inline]`: called out of
    // line they hand the decoded value back through memory, written a
    // field at a time and read back at once by the caller's copy, which
    // stalls on every row (store forwarding fails); inlined into the
    // loader's generic functions, the fields go straight to where the
    // object is built.
    Ok(quote! {
        #[allow(non_upper_case_globals, dead_code)]
        impl #name {
            #(#consts)*
            #(#rel_consts)*
        }

        impl #orm::Model for #name {
            const NAME: &'static str = #struct_name;
            #version_const

            fn identity(&self) -> #orm::Key {
                #identity
            }

            #rel_items

            fn table() -> &'static #core::Table {
                static TABLE: ::std::sync::OnceLock<#core::Table> = ::std::sync::OnceLock::new();
                TABLE.get_or_init(|| {
                    #core::Table::builder(#table)
                        #schema_call
                        #comment_call
                        #(.column(#columns))*
                        .build()
                        .unwrap_or_else(|e| ::core::panic!("model {}: {}", #struct_name, e))
                })
            }

            #[inline]
            fn from_row(row: &dyn #core::engine::RowAccess) -> #core::Result<Self> {
                ::core::result::Result::Ok(Self { #(#decode),* })
            }

            #[inline]
            fn from_row_at(row: &dyn #core::engine::RowAccess) -> #core::Result<Self> {
                ::core::result::Result::Ok(Self { #(#decode_at),* })
            }

            fn spare() -> ::core::option::Option<
                &'static ::std::thread::LocalKey<#orm::__private::Spare<Self>>,
            > {
                ::std::thread_local! {
                    static SPARE: #orm::__private::Spare<#name> =
                        const { #orm::__private::Spare::new() };
                }
                ::core::option::Option::Some(&SPARE)
            }

            fn to_values(&self) -> ::std::vec::Vec<#core::Value> {
                ::std::vec![#(#values),*]
            }

            fn column_value(&self, idx: usize) -> #core::Value {
                match idx {
                    #(#column_arms,)*
                    _ => #core::Value::Null,
                }
            }

            fn primary_key(&self) -> ::std::vec::Vec<#core::Value> {
                ::std::vec![#(#pk_values),*]
            }

            fn set_column(&mut self, column: &str, value: #core::Value) -> #core::Result<()> {
                match column {
                    #(#setters)*
                    other => ::core::result::Result::Err(#core::Error::UnknownColumn {
                        source_name: ::std::format!("model {}", #struct_name),
                        column: other.to_string(),
                    }),
                }
            }
        }

        impl #core::engine::FromRow for #name {
            fn from_row(row: &dyn #core::engine::RowAccess) -> #core::Result<Self> {
                <Self as #orm::Model>::from_row(row)
            }
        }

        #[#orm::__private::linkme::distributed_slice(#orm::MODELS)]
        #[linkme(crate = #orm::__private::linkme)]
        static #registration: #orm::ModelEntry = #orm::ModelEntry(<#name as #orm::Model>::table);
    })
}
