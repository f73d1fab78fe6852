//! The expansion of `#[action]` and `#[actions]`.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{
    Attribute, Expr, FnArg, GenericArgument, Ident, Item, ItemFn, ItemMod, Meta, PathArguments,
    ReturnType, Token, Type,
};

/// `#[action(...)]` arguments.
#[derive(Default)]
pub(crate) struct Options {
    body_limit: Option<Expr>,
    time_limit: Option<Expr>,
    concurrency: Option<Ident>,
    rate_limit: Option<(u32, u64)>,
    exactly_once: Option<bool>,
}

pub(crate) fn options(args: &Punctuated<Meta, Token![,]>) -> syn::Result<Options> {
    let mut options = Options::default();
    for meta in args {
        let Meta::NameValue(pair) = meta else {
            return Err(unknown_option(meta.span()));
        };
        if pair.path.is_ident("body_limit") {
            options.body_limit = Some(pair.value.clone());
        } else if pair.path.is_ident("time_limit") {
            options.time_limit = Some(pair.value.clone());
        } else if pair.path.is_ident("concurrency") {
            options.concurrency = Some(crate::policy::concurrency(&pair.value)?);
        } else if pair.path.is_ident("rate_limit") {
            options.rate_limit = Some(crate::policy::rate_limit(&pair.value)?);
        } else if pair.path.is_ident("exactly_once") {
            options.exactly_once = Some(crate::policy::boolean(&pair.value, "exactly_once")?);
        } else {
            return Err(unknown_option(pair.path.span()));
        }
    }
    Ok(options)
}

fn unknown_option(span: Span) -> syn::Error {
    syn::Error::new(
        span,
        "unknown #[action] option: expected `body_limit = <bytes: usize>`, \
         `time_limit = <std::time::Duration>`, `concurrency = \"parallel\" | \"serial\" | \
         \"latest\" | \"drop\"`, `rate_limit = \"<n>/<s|min|h|day>\"` or \
         `exactly_once = <bool>`",
    )
}

/// One parameter of an action, classified.
enum Param {
    Extractor(Type),
    /// A `#[bound]` parameter and its name as written (for the attack-surface listing).
    Bound(Type, String),
    Input(Type),
}

/// What the module form needs from each action it expands.
pub(crate) struct Expanded {
    pub(crate) tokens: TokenStream,
    name: Ident,
    extractors: Vec<Type>,
}

pub(crate) fn action(mut function: ItemFn, options: &Options) -> syn::Result<Expanded> {
    check_signature(&function)?;
    let params = classify(&mut function)?;
    let name = function.sig.ident.clone();
    let vis = function.vis.clone();
    let marker_vis = marker_visibility(&vis);
    let marker = format_ident!("__actum_action_{}", name);
    let output: Type = match &function.sig.output {
        ReturnType::Default => syn::parse_quote!(()),
        ReturnType::Type(_, ty) => (**ty).clone(),
    };
    let all_types: Vec<&Type> = params.iter().map(param_type).collect();
    let extractors: Vec<Type> = params
        .iter()
        .filter_map(|p| match p {
            Param::Extractor(ty) => Some(ty.clone()),
            _ => None,
        })
        .collect();
    let bounds: Vec<&Type> = params
        .iter()
        .filter_map(|p| match p {
            Param::Bound(ty, _) => Some(ty),
            _ => None,
        })
        .collect();
    let input = params.iter().find_map(|p| match p {
        Param::Input(ty) => Some(ty.clone()),
        _ => None,
    });

    let bound_type = match bounds.as_slice() {
        [] => quote!(()),
        [one] => quote!(#one),
        many => quote!((#(#many),*)),
    };
    let input_type = input.as_ref().map_or_else(|| quote!(()), |ty| quote!(#ty));
    // The output type and the conversion of the function's return value: each check spanned on
    // the user's type, and the same check as in `assertions`, so an error is reported once.
    let (output_type, convert) = match result_args(&output) {
        Some((ok, err)) if is_result(&output) => {
            let to_ok = quote_spanned!(ok.span()=> ::actum::__private::output::<#ok>(value));
            let to_err = quote_spanned!(err.span()=> ::actum::__private::error::<#err>(error));
            (
                quote!(#ok),
                quote! {
                    match __output {
                        ::core::result::Result::Ok(value) => ::core::result::Result::Ok(#to_ok),
                        ::core::result::Result::Err(error) => ::core::result::Result::Err(#to_err),
                    }
                },
            )
        }
        _ if is_result(&output) => (
            quote!(<#output as ::actum::__private::IntoActionResult>::Output),
            quote!(::actum::__private::IntoActionResult::into_action_result(
                __output
            )),
        ),
        _ => {
            let to_ok =
                quote_spanned!(output.span()=> ::actum::__private::output::<#output>(__output));
            (quote!(#output), quote!(::core::result::Result::Ok(#to_ok)))
        }
    };
    let signature = signature_text(&params, &output);
    let name_text = name.to_string();
    let bound_names: Vec<(String, String)> = params
        .iter()
        .filter_map(|p| match p {
            Param::Bound(ty, name) => Some((name.clone(), quote!(#ty).to_string())),
            _ => None,
        })
        .collect();
    let limits = limits(options, &bound_names);
    let assertions = assertions(&params, &output);
    let call = call_body(&params);

    let attrs = &function.attrs;
    let sig_inputs = &function.sig.inputs;
    let fn_token = &function.sig.fn_token;
    let body = &function.block;
    let extractor_bounds = extractors.iter().map(|ty| {
        quote_spanned!(ty.span()=> #ty: ::actum::__private::axum::extract::FromRequestParts<__S>)
    });

    // Spanned on the user's `fn` so the function keeps a span of the user's code: the compiler
    // does not report dead code whose span comes from a macro, and an unmounted action must be
    // reported.
    let allow_private = quote_spanned!(function.sig.fn_token.span()=> #[allow(private_interfaces)]);
    let wrapped_body = quote_spanned! {function.block.brace_token.span.join()=>
        { ::actum::ActionFuture::new(async move #body) }
    };
    let tokens = quote! {
        #(#attrs)*
        #allow_private
        #vis #fn_token #name(#sig_inputs) -> ::actum::ActionFuture<#marker, #output> #wrapped_body

        #[doc(hidden)]
        #[allow(non_camel_case_types, dead_code)]
        #marker_vis enum #marker {}

        const _: () = {
            #assertions

            impl ::actum::__private::ActionMarker for #marker {
                type Args = (#(#all_types,)*);
                type Ret = #output;
                type Bound = #bound_type;
                type Input = #input_type;
                type Output = #output_type;

                fn info() -> &'static ::actum::ActionInfo {
                    static INFO: ::actum::ActionInfo = ::actum::ActionInfo::__new(
                        #name_text,
                        ::core::module_path!(),
                        ::core::env!("CARGO_PKG_NAME"),
                        #signature,
                    ) #limits;
                    &INFO
                }

                fn id() -> &'static str {
                    static ID: ::std::sync::OnceLock<::std::string::String> =
                        ::std::sync::OnceLock::new();
                    ::actum::__private::__cached_id(&ID, Self::info())
                }

                fn authenticated() -> bool {
                    // `actum::Authenticated` when an extractor has it: see `actum::Authenticated`.
                    #[allow(unused_imports)]
                    use ::actum::__private::authenticated_prelude::*;
                    false #(|| (&::actum::__private::AuthProbe::<#extractors>::new())
                        .actum_is_authenticated())*
                }

                fn typescript() -> [::actum::__private::TsType; 2] {
                    // `ts_rs::TS` when the type has it (and actum's `typescript` feature is on),
                    // else `unknown`: see `actum::typescript`.
                    #[allow(unused_imports)]
                    use ::actum::__private::typescript_prelude::*;
                    [
                        (&::actum::__private::TypeOf::<#input_type>::new()).actum_ts_type(),
                        (&::actum::__private::TypeOf::<#output_type>::new()).actum_ts_type(),
                    ]
                }
            }

            impl<__S> ::actum::__private::MarkerHandler<__S> for #marker
            where
                __S: ::core::clone::Clone + ::core::marker::Send + ::core::marker::Sync + 'static,
                #(#extractor_bounds,)*
            {
                fn call<__F>(
                    __f: __F,
                    mut parts: ::actum::__private::http::request::Parts,
                    state: __S,
                    bound: <Self as ::actum::__private::ActionMarker>::Bound,
                    input: <Self as ::actum::__private::ActionMarker>::Input,
                ) -> ::std::pin::Pin<::std::boxed::Box<dyn ::core::future::Future<
                    Output = ::core::result::Result<
                        ::core::result::Result<
                            <Self as ::actum::__private::ActionMarker>::Output,
                            ::actum::ActionError,
                        >,
                        ::actum::__private::axum::response::Response,
                    >,
                > + ::core::marker::Send>>
                where
                    __F: ::actum::__private::ActionFn<
                        <Self as ::actum::__private::ActionMarker>::Args,
                        ::actum::ActionFuture<Self, <Self as ::actum::__private::ActionMarker>::Ret>,
                    > + ::core::marker::Send + 'static,
                {
                    ::std::boxed::Box::pin(async move {
                        #call
                        ::core::result::Result::Ok(#convert)
                    })
                }
            }
        };
    };
    Ok(Expanded {
        tokens,
        name,
        extractors,
    })
}

/// The marker's visibility: the function's, capped at `pub(crate)`. A `pub` marker would make the
/// compiler require every parameter type of a `pub` action to be `pub` as well (its trait impl
/// names them), which a binary crate's private input structs are not.
fn marker_visibility(vis: &syn::Visibility) -> TokenStream {
    match vis {
        syn::Visibility::Public(_) => quote!(pub(crate)),
        other => quote!(#other),
    }
}

fn check_signature(function: &ItemFn) -> syn::Result<()> {
    let sig = &function.sig;
    if sig.asyncness.is_none() {
        return Err(syn::Error::new(
            sig.fn_token.span(),
            "an action must be an `async fn`: write `async fn` (actions are awaited by the server)",
        ));
    }
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        return Err(syn::Error::new(
            sig.generics.span(),
            "an action cannot be generic: its input and output types must be known to decode \
             and encode them, and its ID is derived from its signature",
        ));
    }
    if let Some(FnArg::Receiver(receiver)) = sig.inputs.first() {
        return Err(syn::Error::new(
            receiver.span(),
            "an action is a free function: it cannot take `self`",
        ));
    }
    if let Some(token) = sig.constness {
        return Err(syn::Error::new(
            token.span(),
            "an action cannot be a `const fn`",
        ));
    }
    if let Some(token) = sig.unsafety {
        return Err(syn::Error::new(
            token.span(),
            "an action cannot be an `unsafe fn`",
        ));
    }
    if let Some(abi) = &sig.abi {
        return Err(syn::Error::new(
            abi.span(),
            "an action cannot have an `extern` ABI",
        ));
    }
    if let Some(variadic) = &sig.variadic {
        return Err(syn::Error::new(
            variadic.span(),
            "an action cannot be variadic",
        ));
    }
    Ok(())
}

/// Sorts the parameters into extractors, `#[bound]` arguments and the input (the last
/// parameter, unless it is bound), removing the `#[bound]` attributes from the function.
fn classify(function: &mut ItemFn) -> syn::Result<Vec<Param>> {
    let count = function.sig.inputs.len();
    let mut params = Vec::with_capacity(count);
    for (index, arg) in function.sig.inputs.iter_mut().enumerate() {
        let FnArg::Typed(typed) = arg else { continue };
        let is_bound = take_bound_attr(&mut typed.attrs)?;
        let ty = (*typed.ty).clone();
        check_owned(&ty)?;
        params.push(if is_bound {
            let pat = &typed.pat;
            Param::Bound(ty, quote!(#pat).to_string())
        } else if index + 1 == count {
            Param::Input(ty)
        } else {
            Param::Extractor(ty)
        });
    }
    Ok(params)
}

fn take_bound_attr(attrs: &mut Vec<Attribute>) -> syn::Result<bool> {
    let mut found = false;
    let mut error = None;
    attrs.retain(|attr| {
        if !attr.path().is_ident("bound") {
            return true;
        }
        if !matches!(attr.meta, Meta::Path(_)) {
            error = Some(syn::Error::new(
                attr.span(),
                "`#[bound]` takes no arguments",
            ));
        }
        found = true;
        false
    });
    match error {
        Some(err) => Err(err),
        None => Ok(found),
    }
}

fn check_owned(ty: &Type) -> syn::Result<()> {
    match ty {
        Type::Reference(r) => Err(syn::Error::new(
            r.span(),
            "an action's parameters must be owned types (the action may outlive the request's \
             borrow): use `String` for `&str`, `Vec<T>` for `&[T]`",
        )),
        Type::ImplTrait(t) => Err(syn::Error::new(
            t.span(),
            "an action cannot take `impl Trait` parameters: it cannot be generic",
        )),
        _ => Ok(()),
    }
}

fn param_type(param: &Param) -> &Type {
    match param {
        Param::Extractor(ty) | Param::Bound(ty, _) | Param::Input(ty) => ty,
    }
}

/// True when the return type is written `Result<...>` (any path ending in `Result`).
fn is_result(ty: &Type) -> bool {
    match ty {
        Type::Path(path) => path
            .path
            .segments
            .last()
            .is_some_and(|s| s.ident == "Result"),
        _ => false,
    }
}

/// The `T` and `E` of `Result<T, E>` written with two arguments.
fn result_args(ty: &Type) -> Option<(&Type, &Type)> {
    let Type::Path(path) = ty else { return None };
    let last = path.path.segments.last()?;
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    let mut types = args.args.iter().filter_map(|a| match a {
        GenericArgument::Type(ty) => Some(ty),
        _ => None,
    });
    let ok = types.next()?;
    let err = types.next()?;
    Some((ok, err))
}

/// The text the action's ID is derived from: parameter kinds and types, and the return type.
fn signature_text(params: &[Param], output: &Type) -> String {
    let params: Vec<String> = params
        .iter()
        .map(|p| match p {
            Param::Extractor(ty) => quote!(#ty).to_string(),
            Param::Bound(ty, _) => format!("#[bound] {}", quote!(#ty)),
            Param::Input(ty) => format!("input {}", quote!(#ty)),
        })
        .collect();
    format!("fn({}) -> {}", params.join(", "), quote!(#output))
}

fn limits(options: &Options, bound: &[(String, String)]) -> TokenStream {
    let mut tokens = TokenStream::new();
    if !bound.is_empty() {
        let (names, types): (Vec<&String>, Vec<&String>) =
            bound.iter().map(|(name, ty)| (name, ty)).unzip();
        tokens.extend(quote!(.__bound().__bound_args(&[#((#names, #types)),*])));
    }
    tokens.extend(crate::policy::tokens(
        options.concurrency.as_ref(),
        options.rate_limit,
        options.exactly_once,
    ));
    if let Some(limit) = &options.body_limit {
        tokens.extend(quote!(.__body_limit(#limit)));
    }
    if let Some(limit) = &options.time_limit {
        tokens.extend(quote!(.__time_limit(#limit)));
    }
    tokens
}

/// Compile-time checks with errors that point at the offending type.
fn assertions(params: &[Param], output: &Type) -> TokenStream {
    let mut checks = TokenStream::new();
    for param in params {
        match param {
            Param::Input(ty) => checks.extend(quote_spanned! {ty.span()=>
                const _: () = ::actum::__private::assert_input::<#ty>();
            }),
            Param::Bound(ty, _) => checks.extend(quote_spanned! {ty.span()=>
                const _: () = ::actum::__private::assert_bound::<#ty>();
            }),
            Param::Extractor(_) => {}
        }
    }
    // The output and error types are checked where the return value is converted (in
    // `MarkerHandler::call`), with the same words; only an alias of `Result` is checked here.
    if is_result(output) && result_args(output).is_none() {
        checks.extend(quote_spanned! {output.span()=>
            const _: () = ::actum::__private::assert_result::<#output>();
        });
    }
    checks
}

/// The body of `ActionHandler::call`: extractors in order, bound arguments unpacked, the call.
fn call_body(params: &[Param]) -> TokenStream {
    let mut tokens = TokenStream::new();
    let mut args = Vec::new();
    let mut bound_names = Vec::new();
    for (index, param) in params.iter().enumerate() {
        let arg = format_ident!("__arg{}", index);
        match param {
            Param::Extractor(ty) => tokens.extend(quote! {
                let #arg = match <#ty as ::actum::__private::axum::extract::FromRequestParts<__S>>
                    ::from_request_parts(&mut parts, &state).await
                {
                    ::core::result::Result::Ok(value) => value,
                    ::core::result::Result::Err(rejection) => {
                        return ::core::result::Result::Err(
                            ::actum::__private::axum::response::IntoResponse::into_response(rejection),
                        );
                    }
                };
            }),
            Param::Bound(..) => bound_names.push(arg.clone()),
            Param::Input(_) => tokens.extend(quote! {
                let #arg = input;
                {
                    #[allow(unused_imports)]
                    use ::actum::__private::validate_prelude::*;
                    let validated = (&::actum::__private::Validated(&#arg)).actum_validate();
                    if let ::core::result::Result::Err(error) = validated {
                        return ::core::result::Result::Ok(::core::result::Result::Err(error));
                    }
                }
            }),
        }
        args.push(arg);
    }
    match bound_names.as_slice() {
        [] => tokens.extend(quote!(let () = bound;)),
        [one] => tokens.extend(quote!(let #one = bound;)),
        many => tokens.extend(quote!(let (#(#many),*) = bound;)),
    }
    if !params.iter().any(|p| matches!(p, Param::Input(_))) {
        tokens.extend(quote!(let () = input;));
    }
    tokens.extend(quote! {
        let _ = &state;
        let __output = ::actum::__private::ActionFn::call_with(&__f, (#(#args,)*)).await;
    });
    tokens
}

/// `#[actions] mod m { ... }`: every `pub async fn` becomes an action, plus `m::mount`.
pub(crate) fn module(mut module: ItemMod) -> syn::Result<TokenStream> {
    let Some((_, items)) = module.content.take() else {
        return Err(syn::Error::new(
            module.span(),
            "#[actions] needs an inline module (`mod posts { ... }`): an attribute on `mod posts;` \
             cannot see the items of its file",
        ));
    };
    let mut out_items = Vec::with_capacity(items.len() + 1);
    let mut names = Vec::new();
    let mut extractors = Vec::new();
    for item in items {
        if !crate::is_public_async_fn(&item) {
            out_items.push(quote!(#item));
            continue;
        }
        let Item::Fn(mut function) = item else {
            continue;
        };
        let options = take_action_attr(&mut function.attrs)?;
        let expanded = action(function, &options)?;
        out_items.push(expanded.tokens);
        names.push(expanded.name);
        extractors.extend(expanded.extractors);
    }
    let extractor_bounds = extractors
        .iter()
        .map(|ty| quote!(#ty: ::actum::__private::axum::extract::FromRequestParts<__S>));
    let attrs = &module.attrs;
    let vis = &module.vis;
    let ident = &module.ident;
    Ok(quote! {
        #(#attrs)*
        #vis mod #ident {
            #(#out_items)*

            /// Mounts every public action of this module (written by `#[actum::actions]`).
            pub fn mount<__S>(
                router: ::actum::__private::axum::Router<__S>,
            ) -> ::actum::__private::axum::Router<__S>
            where
                __S: ::core::clone::Clone + ::core::marker::Send + ::core::marker::Sync + 'static,
                #(#extractor_bounds,)*
            {
                use ::actum::RouterExt as _;
                router #(.action(#names))*
            }
        }
    })
}

/// Reads and removes an `#[action(...)]` (or `#[actum::action(...)]`) on a function of a module
/// marked `#[actions]`, which is an action already.
fn take_action_attr(attrs: &mut Vec<Attribute>) -> syn::Result<Options> {
    let mut options = Options::default();
    let mut result = Ok(());
    attrs.retain(|attr| {
        let path = attr.path();
        let is_action = path.is_ident("action")
            || (path.segments.len() == 2
                && path.segments[0].ident == "actum"
                && path.segments[1].ident == "action");
        if !is_action {
            return true;
        }
        if let Meta::List(list) = &attr.meta {
            match list.parse_args_with(Punctuated::<Meta, Token![,]>::parse_terminated) {
                Ok(args) => match self::options(&args) {
                    Ok(parsed) => options = parsed,
                    Err(err) => result = Err(err),
                },
                Err(err) => result = Err(err),
            }
        }
        false
    });
    result.map(|()| options)
}
