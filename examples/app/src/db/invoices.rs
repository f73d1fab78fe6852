//! Customers and their invoices (the seeds' `createInvoice`).

use serde::{Deserialize, Serialize};
use sqlx::{FromRow, SqlitePool};

/// A customer an invoice can be for.
#[derive(Debug, Clone, FromRow, Serialize, Deserialize)]
pub(crate) struct Customer {
    /// The row id: the form's `customerId`.
    pub(crate) id: i64,
    /// The name.
    pub(crate) name: String,
}

/// An invoice, as the list shows it.
#[derive(Debug, Clone, FromRow, Serialize, Deserialize)]
pub(crate) struct Invoice {
    /// The row id.
    pub(crate) id: i64,
    /// Whom it is for.
    pub(crate) customer_name: String,
    /// The amount in cents.
    pub(crate) amount_cents: i64,
    /// `pending` or `paid`.
    pub(crate) status: String,
    /// Who wrote it.
    pub(crate) created_by: String,
}

/// A new invoice, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NewInvoice {
    /// An existing customer.
    pub(crate) customer_id: i64,
    /// More than zero.
    pub(crate) amount_cents: i64,
    /// `pending` or `paid`.
    pub(crate) status: &'static str,
}

/// Every customer, by name.
pub(crate) async fn customers(db: &SqlitePool) -> Result<Vec<Customer>, sqlx::Error> {
    sqlx::query_as("SELECT id, name FROM customers ORDER BY name")
        .fetch_all(db)
        .await
}

/// Whether a customer with this id exists.
pub(crate) async fn customer_exists(db: &SqlitePool, id: i64) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM customers WHERE id = ?)")
        .bind(id)
        .fetch_one(db)
        .await
}

/// Stores an invoice; returns its id.
pub(crate) async fn insert(
    db: &SqlitePool,
    invoice: &NewInvoice,
    created_by: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO invoices (customer_id, amount_cents, status, created_by) VALUES (?, ?, ?, ?) \
         RETURNING id",
    )
    .bind(invoice.customer_id)
    .bind(invoice.amount_cents)
    .bind(invoice.status)
    .bind(created_by)
    .fetch_one(db)
    .await
}

/// Every invoice, newest first.
pub(crate) async fn list(db: &SqlitePool) -> Result<Vec<Invoice>, sqlx::Error> {
    sqlx::query_as(
        "SELECT invoices.id, customers.name AS customer_name, invoices.amount_cents, \
         invoices.status, users.name AS created_by FROM invoices \
         JOIN customers ON customers.id = invoices.customer_id \
         JOIN users ON users.id = invoices.created_by ORDER BY invoices.id DESC",
    )
    .fetch_all(db)
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::{memory_db, user_by_name};

    #[tokio::test]
    async fn invoices_are_stored_for_known_customers() {
        let db = memory_db().await;
        let alice = user_by_name(&db, "alice").await.unwrap();
        assert_eq!(customers(&db).await.unwrap().len(), 3);
        assert!(customer_exists(&db, 1).await.unwrap());
        assert!(!customer_exists(&db, 99).await.unwrap());
        let invoice = NewInvoice {
            customer_id: 1,
            amount_cents: 12_345,
            status: "paid",
        };
        insert(&db, &invoice, alice.id).await.unwrap();
        let listed = list(&db).await.unwrap();
        assert_eq!(listed[0].customer_name, "Acme Corp");
        assert_eq!(
            (listed[0].amount_cents, listed[0].status.as_str()),
            (12_345, "paid")
        );
        let unknown = NewInvoice {
            customer_id: 99,
            ..invoice
        };
        assert!(
            insert(&db, &unknown, alice.id).await.is_err(),
            "the foreign key holds"
        );
    }
}
