//! `GET /invoices`: the invoice form (`customerId`, `amount`, `status`) with its field errors, the
//! invoices, and the reminders button whose action fails.

use actum::{Action, Submission};
use axum::extract::State;
use axum::response::Html;
use maud::{Markup, html};

use super::{Frame, PageError, field_error, form_error, typed};
use crate::AppState;
use crate::db::invoices::{self, Customer, Invoice};
use crate::invoices::{amount_text, create_invoice, send_reminders};

/// `GET /invoices`.
pub(crate) async fn invoices_page(
    State(st): State<AppState>,
    frame: Frame,
) -> Result<Html<String>, PageError> {
    // The customers never change while the app runs; the invoices are cached for this page,
    // and `create_invoice` ends with `revalidate_path("/invoices")`.
    let customers = st
        .cache
        .entry("customers")
        .load(|| invoices::customers(&st.db))
        .await?;
    let invoices = st
        .cache
        .entry("invoices")
        .for_page("/invoices")
        .load(|| invoices::list(&st.db))
        .await?;
    let content = html! {
        @if frame.user.is_some() {
            (invoice_form(&customers, frame.form.for_action(create_invoice)))
        } @else {
            (super::sign_in_first("write invoices"))
        }
        h2 { "Invoices" }
        (invoice_table(&invoices))
        @if frame.user.is_some() {
            (reminders())
        }
    };
    Ok(frame.page("Invoices", content))
}

/// The seeds' `createInvoice` form. `novalidate`: the server's checks are the ones that count,
/// and this way they show with JavaScript on and off alike.
fn invoice_form(customers: &[Customer], last: Option<&Submission>) -> Markup {
    let customer = typed(last, "customerId");
    let status = typed(last, "status");
    html! {
        h2 { "New invoice" }
        form #create-invoice method="post" action=(create_invoice.url()) novalidate {
            (form_error(last))
            label for="customerId" { "Customer" }
            select #customerId name="customerId" {
                option value="" { "Choose a customer" }
                @for c in customers {
                    option value=(c.id) selected[customer == c.id.to_string()] { (c.name) }
                }
            }
            (field_error(last, "customerId"))
            label for="amount" { "Amount" }
            input #amount type="text" name="amount" inputmode="decimal" placeholder="120.50"
                value=(typed(last, "amount"));
            (field_error(last, "amount"))
            fieldset #status {
                legend { "Status" }
                @for choice in ["pending", "paid"] {
                    label {
                        input type="radio" name="status" value=(choice) checked[status == choice];
                        " " (choice)
                    }
                }
            }
            (field_error(last, "status"))
            button { "Create invoice" }
        }
    }
}

/// The invoices, newest first.
fn invoice_table(invoices: &[Invoice]) -> Markup {
    html! {
        @if invoices.is_empty() {
            p.note #no-invoices { "No invoices yet." }
        } @else {
            table #invoices {
                thead { tr { th { "Customer" } th { "Amount" } th { "Status" } th { "By" } } }
                tbody {
                    @for invoice in invoices {
                        tr {
                            td { (invoice.customer_name) }
                            td { (amount_text(invoice.amount_cents)) }
                            td { (invoice.status) }
                            td { (invoice.created_by) }
                        }
                    }
                }
            }
        }
    }
}

/// The reminders button: its action fails on purpose. With JavaScript the error replaces the
/// boundary around it; without, the browser shows the server's error page; both with a digest.
fn reminders() -> Markup {
    html! {
        section #reminders {
            h2 { "Reminders" }
            // The error boundary: with JavaScript on, the action's error replaces its content.
            div #reminders-boundary data-actum-error-boundary {
                form #send-reminders method="post" action=(send_reminders.url()) {
                    button { "Send payment reminders" }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn customers() -> Vec<Customer> {
        vec![Customer {
            id: 2,
            name: "Globex".to_owned(),
        }]
    }

    #[test]
    fn the_form_has_the_seeds_fields() {
        let html = invoice_form(&customers(), None).into_string();
        for name in ["customerId", "amount", "status"] {
            assert!(html.contains(&format!(r#"name="{name}""#)), "{name}");
        }
        assert!(!html.contains("selected"));
    }

    #[test]
    fn amounts_are_shown_with_cents() {
        let invoice = Invoice {
            id: 1,
            customer_name: "Globex".to_owned(),
            amount_cents: 12_050,
            status: "paid".to_owned(),
            created_by: "ann".to_owned(),
        };
        assert!(invoice_table(&[invoice]).into_string().contains("120.50"));
    }
}
