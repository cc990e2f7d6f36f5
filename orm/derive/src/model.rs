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
    let mut values = Vec::new();
    let mut pk_values = Vec::new();
    let mut setters = Vec::new();
    let mut seen: Vec<(String, Span)> = Vec::new();
    let mut version: Option<(usize, Span)> = None;
    let mut position = 0usize;
    for field in &fields.named {
        let spec = parse_field(field)?;
        let ident = field
            .ident
            .as_ref()
            .ok_or_else(|| syn::Error::new_spanned(field, "unnamed field"))?;
        let ty = &field.ty;
        if spec.skip {
            decode.push(quote!(#ident: ::core::default::Default::default()));
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
        values.push(quote_spanned!(span=> <#ty as #orm::ColumnValue>::to_value(&self.#ident)));
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
    let schema_call = schema.map(|s| quote!(.schema(#s)));
    let comment_call = table_comment.map(|c| quote!(.comment(#c)));
    let struct_name = name.to_string();
    let registration = format_ident!("__ALUDEL_MODEL_{}", struct_name.to_uppercase());
    Ok(quote! {
        #[allow(non_upper_case_globals, dead_code)]
        impl #name {
            #(#consts)*
        }

        impl #orm::Model for #name {
            const NAME: &'static str = #struct_name;
            #version_const

            fn identity(&self) -> #orm::Key {
                #identity
            }

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

            fn from_row(row: &dyn #core::engine::RowAccess) -> #core::Result<Self> {
                ::core::result::Result::Ok(Self { #(#decode),* })
            }

            fn to_values(&self) -> ::std::vec::Vec<#core::Value> {
                ::std::vec![#(#values),*]
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
