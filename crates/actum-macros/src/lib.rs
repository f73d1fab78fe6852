//! Code generation for [actum](https://docs.rs/actum): `#[action]` and `#[actions]`.
//!
//! Use them through the `actum` crate (`actum::action`, `actum::actions`), whose docs explain
//! what they mean. This crate only writes code: the function stays as written (its body becomes
//! the body of the future it returns), and the macro adds a marker type and trait impls inside a
//! `const _: () = { ... };` block.

use proc_macro::TokenStream;
use syn::parse::Parser as _;
use syn::punctuated::Punctuated;
use syn::{Item, ItemFn, ItemMod, Meta, Token};

mod expand;
mod policy;

/// Marks an `async fn` as a server action. See the `actum` crate's docs.
#[proc_macro_attribute]
pub fn action(args: TokenStream, item: TokenStream) -> TokenStream {
    let args = match Punctuated::<Meta, Token![,]>::parse_terminated.parse(args) {
        Ok(args) => args,
        Err(err) => return err.to_compile_error().into(),
    };
    let function = match syn::parse::<ItemFn>(item) {
        Ok(function) => function,
        Err(err) => {
            let message = format!("#[action] goes on an `async fn`: {err}");
            return syn::Error::new(err.span(), message)
                .to_compile_error()
                .into();
        }
    };
    match expand::options(&args).and_then(|options| expand::action(function, &options)) {
        Ok(expanded) => expanded.tokens.into(),
        Err(err) => err.to_compile_error().into(),
    }
}

/// Marks every `pub` (or `pub(crate)`, …) `async fn` of an inline module as an action and adds
/// `pub fn mount<S>(Router<S>) -> Router<S>` to the module. See the `actum` crate's docs.
#[proc_macro_attribute]
pub fn actions(args: TokenStream, item: TokenStream) -> TokenStream {
    if !args.is_empty() {
        let message =
            "#[actions] takes no arguments (put `#[action(...)]` on a function to set its limits)";
        return syn::Error::new(proc_macro2::Span::call_site(), message)
            .to_compile_error()
            .into();
    }
    let module = match syn::parse::<ItemMod>(item) {
        Ok(module) => module,
        Err(err) => {
            let message =
                format!("#[actions] goes on an inline module (`mod posts {{ ... }}`): {err}");
            return syn::Error::new(err.span(), message)
                .to_compile_error()
                .into();
        }
    };
    match expand::module(module) {
        Ok(tokens) => tokens.into(),
        Err(err) => err.to_compile_error().into(),
    }
}

/// True for `Item::Fn`s that the module form turns into actions: `async fn`s visible outside the
/// module (`pub`, `pub(crate)`, `pub(super)`, …).
fn is_public_async_fn(item: &Item) -> bool {
    matches!(item, Item::Fn(f) if !matches!(f.vis, syn::Visibility::Inherited) && f.sig.asyncness.is_some())
}
