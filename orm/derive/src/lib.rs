//! `aludel-derive`: the procedural macros of Aludel.
//!
//! - `#[derive(FromRow)]` decodes a query's row into a plain struct, by
//!   column name (the default; `#[aludel(rename = "col")]` on a field) or
//!   by position (`#[aludel(by_position)]` on the struct). It is re-exported
//!   as `aludel_core::FromRow` and `aludel::FromRow`.
//! - `#[derive(Model)]` maps a struct to a table for `aludel-orm`: table
//!   metadata, typed column handles, row decoding, primary-key access and
//!   registration in the binary's model registry. It is re-exported as
//!   `aludel_orm::Model` and `aludel::Model`.
//!
//! Generated code names the crate the user depends on: `aludel` if it is a
//! dependency, otherwise `aludel_core` / `aludel_orm`.

mod model;

use proc_macro::TokenStream;
use proc_macro2::{Span, TokenStream as TokenStream2};
use quote::quote;
use syn::{parse_macro_input, Data, DeriveInput, Fields, LitStr};

/// Derives `Model`; see `aludel_orm`'s documentation for the attributes.
#[proc_macro_derive(Model, attributes(aludel))]
pub fn derive_model(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    match model::derive(&input, &orm_path()) {
        Ok(ts) => ts.into(),
        Err(e) => e.to_compile_error().into(),
    }
}

/// The path through which generated code reaches Aludel's ORM.
fn orm_path() -> TokenStream2 {
    use proc_macro_crate::{crate_name, FoundCrate};
    match crate_name("aludel") {
        Ok(FoundCrate::Name(n)) => {
            let ident = syn::Ident::new(&n, Span::call_site());
            return quote!(::#ident::orm);
        }
        Ok(FoundCrate::Itself) => return quote!(::aludel::orm),
        Err(_) => {}
    }
    match crate_name("aludel-orm") {
        Ok(FoundCrate::Name(n)) => {
            let ident = syn::Ident::new(&n, Span::call_site());
            quote!(::#ident)
        }
        _ => quote!(::aludel_orm),
    }
}

/// The path through which generated code reaches Aludel Core.
fn core_path() -> TokenStream2 {
    use proc_macro_crate::{crate_name, FoundCrate};
    let found = |name: &str| match crate_name(name) {
        // Inside the crate itself (its integration tests, too) the crate's
        // own name resolves: aludel-core declares `extern crate self as aludel_core`.
        Ok(FoundCrate::Itself) => {
            let ident = syn::Ident::new(&name.replace('-', "_"), Span::call_site());
            Some(quote!(::#ident))
        }
        Ok(FoundCrate::Name(n)) => {
            let ident = syn::Ident::new(&n, Span::call_site());
            Some(quote!(::#ident))
        }
        Err(_) => None,
    };
    if let Some(p) = found("aludel") {
        return p;
    }
    found("aludel-core").unwrap_or_else(|| quote!(::aludel_core))
}

struct FieldAttrs {
    rename: Option<String>,
}

fn struct_by_position(input: &DeriveInput) -> syn::Result<bool> {
    let mut by_position = false;
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("aludel")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("by_position") {
                by_position = true;
                Ok(())
            } else {
                Err(meta
                    .error("unknown aludel attribute on a FromRow struct; expected `by_position`"))
            }
        })?;
    }
    Ok(by_position)
}

fn field_attrs(field: &syn::Field) -> syn::Result<FieldAttrs> {
    let mut out = FieldAttrs { rename: None };
    for attr in field.attrs.iter().filter(|a| a.path().is_ident("aludel")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename") {
                let lit: LitStr = meta.value()?.parse()?;
                out.rename = Some(lit.value());
                Ok(())
            } else {
                Err(meta.error(
                    "unknown aludel attribute on a FromRow field; expected `rename = \"column\"`",
                ))
            }
        })?;
    }
    Ok(out)
}

/// Derives `FromRow` for a struct with named fields or a tuple struct.
#[proc_macro_derive(FromRow, attributes(aludel))]
pub fn derive_from_row(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    match from_row(&input) {
        Ok(ts) => ts.into(),
        Err(e) => e.to_compile_error().into(),
    }
}

fn from_row(input: &DeriveInput) -> syn::Result<TokenStream2> {
    let core = core_path();
    let name = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    let Data::Struct(data) = &input.data else {
        return Err(syn::Error::new_spanned(
            &input.ident,
            "FromRow can only be derived for structs",
        ));
    };
    let by_position = struct_by_position(input)?;
    // For a struct read by name: each field's column and the field's
    // position, where the column usually is.
    let mut hinted = Vec::new();
    let body = match &data.fields {
        Fields::Named(fields) => {
            let mut inits = Vec::new();
            for (i, f) in fields.named.iter().enumerate() {
                let attrs = field_attrs(f)?;
                let ident = f
                    .ident
                    .as_ref()
                    .ok_or_else(|| syn::Error::new_spanned(f, "unnamed field"))?;
                let get = if by_position {
                    quote!(#core::engine::get(row, #i)?)
                } else {
                    let col = attrs
                        .rename
                        .unwrap_or_else(|| ident.to_string().trim_start_matches("r#").to_string());
                    let get = quote!(#core::engine::get_named(row, #i, #col)?);
                    hinted.push((ident, i, col));
                    get
                };
                inits.push(quote!(#ident: #get));
            }
            quote!(Self { #(#inits),* })
        }
        Fields::Unnamed(fields) => {
            let mut inits = Vec::new();
            for (i, f) in fields.unnamed.iter().enumerate() {
                if field_attrs(f)?.rename.is_some() {
                    return Err(syn::Error::new_spanned(
                        f,
                        "a tuple struct reads columns by position; `rename` does not apply",
                    ));
                }
                inits.push(quote!(#core::engine::get(row, #i)?));
            }
            quote!(Self(#(#inits),*))
        }
        Fields::Unit => {
            return Err(syn::Error::new_spanned(
                &input.ident,
                "FromRow needs a struct with fields",
            ));
        }
    };
    // A struct read by name also decodes by position once the first row of
    // a result shows every column at its field's position.
    let at_hints = if hinted.is_empty() {
        quote!()
    } else {
        let checks = hinted
            .iter()
            .map(|(_, i, col)| quote!(row.column_name(#i) == #col));
        let inits = hinted
            .iter()
            .map(|(ident, i, col)| quote!(#ident: #core::engine::get_at(row, #i, #col)?));
        quote! {
            fn columns_at_hints(row: &dyn #core::engine::RowAccess) -> bool {
                #(#checks)&&*
            }
            #[inline]
            fn from_row_at_hints(row: &dyn #core::engine::RowAccess) -> #core::Result<Self> {
                ::core::result::Result::Ok(Self { #(#inits),* })
            }
        }
    };
    Ok(quote! {
        impl #impl_generics #core::engine::FromRow for #name #ty_generics #where_clause {
            fn from_row(row: &dyn #core::engine::RowAccess) -> #core::Result<Self> {
                ::core::result::Result::Ok(#body)
            }
            #at_hints
        }
    })
}
