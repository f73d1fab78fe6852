//! The colour theme: kept in a cookie that the `set_theme` action sets (the seeds' `cookies()`);
//! every page reads it, so the page re-rendered into the action's answer already has the new one.

use actum::action;
use axum::http::request::Parts;
use cookie::Cookie;
use cookie::time::Duration;
use serde::Deserialize;

use crate::auth::request_cookie;

/// The cookie that carries the theme.
pub(crate) const THEME_COOKIE: &str = "theme";

/// A colour theme.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Theme {
    /// Dark text on a light background (the default).
    #[default]
    Light,
    /// Light text on a dark background.
    Dark,
}

impl Theme {
    /// The name in the cookie and in `<html data-theme>`.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Light => "light",
            Self::Dark => "dark",
        }
    }

    /// The theme the toggle switches to.
    pub(crate) fn other(self) -> Self {
        match self {
            Self::Light => Self::Dark,
            Self::Dark => Self::Light,
        }
    }

    /// The theme a request's cookie names; the default when it names none (or something else).
    pub(crate) fn of_request(parts: &Parts) -> Self {
        match request_cookie(parts, THEME_COOKIE).as_deref() {
            Some("dark") => Self::Dark,
            _ => Self::Light,
        }
    }
}

/// The theme form: one button per theme, whose `name="theme"` and value the browser sends.
#[derive(Debug, Deserialize)]
pub(crate) struct ThemeChoice {
    /// Anything but `light` or `dark` is refused (422) before the action runs.
    theme: Theme,
}

/// Keeps the chosen theme in a cookie for a year.
///
/// It needs no signed-in user: it only sets a preference of the browser that calls it, and the
/// actions layer's origin check keeps other sites from calling it.
#[action]
pub(crate) async fn set_theme(input: ThemeChoice) {
    let cookie = Cookie::build((THEME_COOKIE, input.theme.as_str()))
        .max_age(Duration::days(365))
        .build();
    actum::cookies().set_cookie(cookie);
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::header::COOKIE;

    fn parts(cookie: &str) -> Parts {
        let request = axum::http::Request::builder()
            .header(COOKIE, cookie)
            .body(())
            .unwrap();
        request.into_parts().0
    }

    #[test]
    fn the_cookie_picks_the_theme() {
        assert_eq!(Theme::of_request(&parts("theme=dark")), Theme::Dark);
        assert_eq!(Theme::of_request(&parts("theme=light")), Theme::Light);
        assert_eq!(Theme::of_request(&parts("theme=neon")), Theme::Light);
        assert_eq!(Theme::of_request(&parts("other=1")), Theme::Light);
    }

    #[test]
    fn the_toggle_goes_both_ways() {
        assert_eq!(Theme::Light.other(), Theme::Dark);
        assert_eq!(Theme::Dark.other().as_str(), "light");
    }
}
