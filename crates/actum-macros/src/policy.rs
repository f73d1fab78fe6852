//! `#[action(concurrency = …, rate_limit = …, exactly_once = …)]`: checked here, at compile
//! time, so a typo is an error on the attribute rather than a surprise in production.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::spanned::Spanned;
use syn::{Expr, ExprLit, Ident, Lit};

/// `concurrency = "parallel" | "serial" | "latest" | "drop"`, as the variant's name.
pub(crate) fn concurrency(value: &Expr) -> syn::Result<Ident> {
    let text = string(value, "concurrency")?;
    let variant = match text.as_str() {
        "parallel" => "Parallel",
        "serial" => "Serial",
        "latest" => "Latest",
        "drop" => "Drop",
        _ => {
            return Err(syn::Error::new(
                value.span(),
                "unknown concurrency policy: expected \"parallel\", \"serial\" (one at a time per \
                 session), \"latest\" (a new call cancels the older) or \"drop\" (a call while one \
                 runs is refused)",
            ));
        }
    };
    Ok(format_ident!("{}", variant))
}

/// `rate_limit = "<n>/<unit>"`: the count and the window in seconds.
pub(crate) fn rate_limit(value: &Expr) -> syn::Result<(u32, u64)> {
    let text = string(value, "rate_limit")?;
    let error = || {
        syn::Error::new(
            value.span(),
            "invalid rate limit: write \"<calls>/<unit>\" with calls > 0 and the unit one of \
             s, sec, second, min, minute, h, hour, day (for example \"10/min\")",
        )
    };
    let (count, unit) = text.split_once('/').ok_or_else(error)?;
    let count: u32 = count.trim().parse().map_err(|_| error())?;
    let seconds = match unit.trim() {
        "s" | "sec" | "second" => 1,
        "min" | "minute" => 60,
        "h" | "hour" => 60 * 60,
        "day" => 24 * 60 * 60,
        _ => return Err(error()),
    };
    if count == 0 {
        return Err(error());
    }
    Ok((count, seconds))
}

/// `name = true | false`.
pub(crate) fn boolean(value: &Expr, name: &str) -> syn::Result<bool> {
    match value {
        Expr::Lit(ExprLit {
            lit: Lit::Bool(b), ..
        }) => Ok(b.value),
        _ => Err(syn::Error::new(
            value.span(),
            format!("`{name}` takes `true` or `false`"),
        )),
    }
}

fn string(value: &Expr, name: &str) -> syn::Result<String> {
    match value {
        Expr::Lit(ExprLit {
            lit: Lit::Str(s), ..
        }) => Ok(s.value()),
        _ => Err(syn::Error::new(
            value.span(),
            format!("`{name}` takes a string literal, such as {name} = \"…\""),
        )),
    }
}

/// The `ActionInfo` builder calls for the policies given.
pub(crate) fn tokens(
    concurrency: Option<&Ident>,
    rate_limit: Option<(u32, u64)>,
    exactly_once: Option<bool>,
) -> TokenStream {
    let mut tokens = TokenStream::new();
    if let Some(variant) = concurrency {
        tokens.extend(quote!(.__concurrency(::actum::__private::Concurrency::#variant)));
    }
    if let Some((count, seconds)) = rate_limit {
        tokens.extend(quote!(.__rate_limit(::actum::__private::RateLimit::new(
            #count,
            ::core::time::Duration::from_secs(#seconds),
        ))));
    }
    if let Some(on) = exactly_once {
        tokens.extend(quote!(.__exactly_once(#on)));
    }
    tokens
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lit(text: &str) -> Expr {
        syn::parse_str(&format!("{text:?}")).unwrap_or_else(|_| Expr::Verbatim(TokenStream::new()))
    }

    #[test]
    fn rate_limits_parse() {
        assert_eq!(rate_limit(&lit("5/min")).ok(), Some((5, 60)));
        assert_eq!(rate_limit(&lit("1 / s")).ok(), Some((1, 1)));
        assert_eq!(rate_limit(&lit("100/day")).ok(), Some((100, 86_400)));
        assert!(rate_limit(&lit("0/min")).is_err());
        assert!(rate_limit(&lit("5/fortnight")).is_err());
        assert!(rate_limit(&lit("five/min")).is_err());
    }

    #[test]
    fn policies_parse() {
        assert_eq!(
            concurrency(&lit("latest")).map(|i| i.to_string()).ok(),
            Some("Latest".into())
        );
        assert!(concurrency(&lit("sometimes")).is_err());
    }
}
