//! `actum-example-app --list-actions`: the attack surface of the app, as a table and as JSON,
//! from the real binary.

#![allow(clippy::unwrap_used, clippy::expect_used)] // in tests a failed unwrap is a failed test

use std::process::Command;

fn run(flag: &str) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_actum-example-app"))
        .arg(flag)
        .env("RUST_LOG", "off")
        .output()
        .expect("the example app runs");
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout).expect("utf-8")
}

#[test]
fn the_table_lists_every_action_with_its_policies() {
    let table = run("--list-actions");
    let mut lines = table.lines();
    let header = lines.next().unwrap();
    for column in [
        "action",
        "path",
        "body",
        "time",
        "concurrency",
        "rate",
        "once",
        "bound",
        "auth",
    ] {
        assert!(header.contains(column), "{header}");
    }
    let row = |name: &str| {
        table
            .lines()
            .find(|l| l.split_whitespace().next() == Some(name))
            .unwrap_or_else(|| panic!("{name} is listed:\n{table}"))
    };
    // Signing in cannot require a signed-in user; deleting a post does, and names its row.
    assert!(row("auth::sign_in").trim_end().ends_with("no"));
    let delete = row("posts::delete_post");
    assert!(delete.trim_end().ends_with("yes"), "{delete}");
    assert!(delete.contains("id: i64"), "{delete}");
    assert!(delete.contains("/_actum/posts.delete_post."), "{delete}");
}

#[test]
fn the_json_is_for_ci() {
    let json: serde_json::Value = serde_json::from_str(&run("--list-actions=json")).unwrap();
    let actions = json["actions"].as_array().unwrap();
    assert!(actions.len() >= 10, "{json}");
    for action in actions {
        let path = action["path"].as_str().unwrap();
        assert_eq!(path, format!("/_actum/{}", action["id"].as_str().unwrap()));
        assert!(action["authenticated"].is_boolean());
    }
    // A check a CI job could make: which actions take no signed-in user.
    let open: Vec<&str> = actions
        .iter()
        .filter(|a| a["authenticated"] == false)
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert!(open.contains(&"sign_in"), "{open:?}");
    assert!(!open.contains(&"delete_post"), "{open:?}");
}
