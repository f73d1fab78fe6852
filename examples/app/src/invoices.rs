//! Invoices (the seeds' `createInvoice` form: `customerId`, `amount`, `status`), validated by hand
//! on the server, every field at once, like the seeds' zod `safeParse`; and `send_reminders`, an
//! action that fails, to show the error boundary and its digest.

use actum::{ActionError, action};
use axum::extract::State;
use serde::Deserialize;

use crate::AppState;
use crate::auth::SignedIn;
use crate::db::invoices::{self, NewInvoice};

/// The largest amount an invoice may have, in cents.
const MAX_CENTS: i64 = 100_000_000;

/// The invoice form, as typed: every field is text, so that whatever the browser sends reaches
/// the checks below and comes back as a field error in the user's words, never as a decoding
/// error.
#[derive(Debug, Deserialize)]
pub(crate) struct InvoiceForm {
    /// The customer's id, from a `<select>`.
    #[serde(rename = "customerId")]
    customer_id: String,
    /// An amount such as `120` or `120.50`.
    amount: String,
    /// `pending` or `paid`, from radio buttons: none checked sends nothing.
    status: Option<String>,
}

/// Records an invoice.
#[action]
pub(crate) async fn create_invoice(
    State(st): State<AppState>,
    SignedIn(user): SignedIn,
    input: InvoiceForm,
) -> Result<(), ActionError> {
    let invoice = check(&input)?;
    if !invoices::customer_exists(&st.db, invoice.customer_id).await? {
        return Err(ActionError::invalid(
            "customerId",
            "choose a customer from the list",
        ));
    }
    let id = invoices::insert(&st.db, &invoice, user.id).await?;
    tracing::info!(invoice = id, user = user.id, "invoice created");
    actum::revalidate_path("/invoices");
    Ok(())
}

/// Sends payment reminders for pending invoices. There is no mail server in this demo, so it
/// always fails: the user sees "something went wrong" with a digest in the page's error boundary,
/// and the log has the cause under the same digest.
#[action]
pub(crate) async fn send_reminders(SignedIn(_): SignedIn, _: ()) -> Result<(), ActionError> {
    let cause = std::io::Error::other("no mail server is configured for reminders");
    Err(ActionError::internal(cause))
}

/// The invoice, or every field error at once.
fn check(input: &InvoiceForm) -> Result<NewInvoice, ActionError> {
    let customer_id = input.customer_id.trim().parse::<i64>().ok();
    let amount_cents = cents(&input.amount);
    let status = status(input.status.as_deref());
    let mut problems = Vec::new();
    if customer_id.is_none() {
        problems.push(("customerId", "choose a customer".to_owned()));
    }
    if let Err(problem) = &amount_cents {
        problems.push(("amount", problem.clone()));
    }
    if status.is_none() {
        problems.push(("status", "choose pending or paid".to_owned()));
    }
    match (customer_id, amount_cents, status) {
        (Some(customer_id), Ok(amount_cents), Some(status)) => Ok(NewInvoice {
            customer_id,
            amount_cents,
            status,
        }),
        _ => {
            let mut error = ActionError::new(
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                "please correct the highlighted fields",
            );
            for (field, message) in problems {
                error = error.field(field, message);
            }
            Err(error)
        }
    }
}

/// The status, when it is one of the two.
fn status(value: Option<&str>) -> Option<&'static str> {
    match value {
        Some("pending") => Some("pending"),
        Some("paid") => Some("paid"),
        _ => None,
    }
}

/// An amount such as `120`, `120.5` or `120.50` in cents, or what is wrong with it.
fn cents(amount: &str) -> Result<i64, String> {
    let amount = amount.trim();
    if amount.is_empty() {
        return Err("enter an amount".to_owned());
    }
    let (whole, fraction) = amount.split_once('.').unwrap_or((amount, ""));
    let digits = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !digits(whole) || !digits(fraction) || fraction.len() > 2 {
        return Err("enter an amount such as 120 or 120.50".to_owned());
    }
    let whole: i64 = whole
        .parse()
        .map_err(|_| "the amount is too large".to_owned())?;
    let fraction: i64 = format!("{fraction:0<2}").parse().unwrap_or(0);
    let cents = whole
        .checked_mul(100)
        .and_then(|c| c.checked_add(fraction))
        .filter(|&c| c <= MAX_CENTS)
        .ok_or_else(|| "the amount must be at most 1000000.00".to_owned())?;
    if cents == 0 {
        return Err("the amount must be more than zero".to_owned());
    }
    Ok(cents)
}

/// Cents as an amount: `12345` is `123.45`.
pub(crate) fn amount_text(cents: i64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(customer: &str, amount: &str, status: Option<&str>) -> InvoiceForm {
        InvoiceForm {
            customer_id: customer.to_owned(),
            amount: amount.to_owned(),
            status: status.map(str::to_owned),
        }
    }

    #[test]
    fn amounts_are_read_in_cents() {
        assert_eq!(cents("120"), Ok(12_000));
        assert_eq!(cents(" 120.5 "), Ok(12_050));
        assert_eq!(cents("0.07"), Ok(7));
        assert_eq!(cents("1000000"), Ok(MAX_CENTS));
    }

    #[test]
    fn bad_amounts_say_why() {
        assert_eq!(cents(""), Err("enter an amount".to_owned()));
        for bad in ["abc", "-5", "1.234", ".5", "1e3", "12,50"] {
            assert!(cents(bad).unwrap_err().contains("such as"), "{bad}");
        }
        assert!(cents("0").unwrap_err().contains("more than zero"));
        assert!(cents("1000000.01").unwrap_err().contains("at most"));
        assert!(cents("99999999999999999999").is_err());
    }

    #[test]
    fn every_field_error_comes_at_once() {
        let error = check(&form("", "x", None)).unwrap_err();
        assert_eq!(error.field_error("customerId"), Some("choose a customer"));
        assert!(error.field_error("amount").is_some());
        assert_eq!(error.field_error("status"), Some("choose pending or paid"));
    }

    #[test]
    fn a_good_form_is_an_invoice() {
        let invoice = check(&form("2", "99.99", Some("paid"))).unwrap();
        assert_eq!(
            invoice,
            NewInvoice {
                customer_id: 2,
                amount_cents: 9_999,
                status: "paid"
            }
        );
    }

    #[test]
    fn amounts_are_shown_with_two_decimals() {
        assert_eq!(amount_text(12_345), "123.45");
        assert_eq!(amount_text(7), "0.07");
    }
}
