-- The showcase's features: drafts, likes and views on posts; attachments; a message thread;
-- customers and their invoices.

-- A post is `published` (listed, visible to all) or a `draft` (its author only). A published
-- post being edited keeps its text as is; the edits wait in draft_title/draft_body until the
-- author publishes them.
ALTER TABLE posts ADD COLUMN status TEXT NOT NULL DEFAULT 'published'
    CHECK (status IN ('draft', 'published'));
ALTER TABLE posts ADD COLUMN draft_title TEXT;
ALTER TABLE posts ADD COLUMN draft_body TEXT;
ALTER TABLE posts ADD COLUMN draft_saved_at TEXT;
ALTER TABLE posts ADD COLUMN likes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE posts ADD COLUMN views INTEGER NOT NULL DEFAULT 0;

-- Files attached to a post, kept in the database: small (the action refuses more than a few
-- hundred KiB), and a backup of the one file is a backup of everything.
CREATE TABLE attachments (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    post_id      INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    file_name    TEXT    NOT NULL,
    size         INTEGER NOT NULL,
    bytes        BLOB    NOT NULL,
    created_at   TEXT    NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE INDEX attachments_by_post ON attachments (post_id);

-- One public thread of messages.
CREATE TABLE messages (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    author_id  INTEGER NOT NULL REFERENCES users (id),
    body       TEXT    NOT NULL,
    created_at TEXT    NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE customers (
    id   INTEGER PRIMARY KEY,
    name TEXT    NOT NULL
);

INSERT INTO customers (id, name) VALUES (1, 'Acme Corp'), (2, 'Globex'), (3, 'Initech');

-- Amounts in cents: no floating point for money.
CREATE TABLE invoices (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    customer_id  INTEGER NOT NULL REFERENCES customers (id),
    amount_cents INTEGER NOT NULL CHECK (amount_cents > 0),
    status       TEXT    NOT NULL CHECK (status IN ('pending', 'paid')),
    created_by   INTEGER NOT NULL REFERENCES users (id),
    created_at   TEXT    NOT NULL DEFAULT CURRENT_TIMESTAMP
);
